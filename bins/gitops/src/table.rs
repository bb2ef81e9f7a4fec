//! flux's tables (olekukonko/tablewriter as flux configures it): upper-case headers, no
//! borders, every cell left-aligned and padded to its column's width, each followed by a
//! tab.

/// The table of `headers` and `rows` as flux prints it.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let header: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        for (i, width) in widths.iter().enumerate() {
            let cell = row.get(i).map_or("", String::as_str);
            out.push_str(cell);
            out.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
            out.push('\t');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_cells_and_ends_each_with_a_tab() {
        let rows = vec![vec!["oci://r/a:v1".to_string(), "sha256:1".to_string()]];
        assert_eq!(
            render(&["artifact", "digest"], &rows),
            "ARTIFACT    \tDIGEST  \t\noci://r/a:v1\tsha256:1\t\n"
        );
    }
}
