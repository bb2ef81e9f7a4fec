//! Unit facts on the private parts: `parseConstraint` and `rewriteRange` tables of
//! Masterminds/semver v3, restated.

use super::constraints::{parse_one, rewrite_ranges};
use super::ops::Op;

/// `TestParseConstraint`: operator and comparison version of one comparison.
#[test]
fn parse_one_table() {
    let table: &[(&str, Option<Op>, &str)] = &[
        (">= 1.2", Some(Op::GreaterEqual), "1.2.0"),
        ("1.0", Some(Op::TildeOrEqual), "1.0.0"),
        ("foo", None, ""),
        ("<= 1.2", Some(Op::LessEqual), "1.2.0"),
        ("=< 1.2", Some(Op::LessEqual), "1.2.0"),
        ("=> 1.2", Some(Op::GreaterEqual), "1.2.0"),
        ("v1.2", Some(Op::TildeOrEqual), "1.2.0"),
        ("=1.5", Some(Op::TildeOrEqual), "1.5.0"),
        ("> 1.3", Some(Op::Greater), "1.3.0"),
        ("< 1.4.1", Some(Op::Less), "1.4.1"),
        ("< 40.50.10", Some(Op::Less), "40.50.10"),
    ];
    for &(input, op, con) in table {
        match (parse_one(input), op) {
            (Ok(c), Some(op)) => {
                assert_eq!(c.op, op, "{input:?}");
                assert_eq!(c.con.to_string(), con, "{input:?}");
            }
            (Err(_), None) => {}
            (got, _) => panic!("{input:?}: unexpected {got:?}"),
        }
    }
}

/// `TestRewriteRange`.
#[test]
fn rewrite_ranges_table() {
    let table: &[(&str, &str)] = &[
        ("2 - 3", ">= 2, <= 3 "),
        ("2 - 3, 2 - 3", ">= 2, <= 3 ,>= 2, <= 3 "),
        ("2 - 3, 4.0.0 - 5.1", ">= 2, <= 3 ,>= 4.0.0, <= 5.1 "),
        ("2 - 3 4.0.0 - 5.1", ">= 2, <= 3 >= 4.0.0, <= 5.1 "),
        ("1.0.0 - 2.0.0 <=2.0.0", ">= 1.0.0, <= 2.0.0 <=2.0.0"),
    ];
    for &(input, rewritten) in table {
        assert_eq!(rewrite_ranges(input), rewritten, "{input:?}");
    }
}

/// Wildcard and missing parts set the dirty flags as Masterminds does.
#[test]
fn dirty_flags() {
    for (input, dirty, minor, patch, con) in [
        ("*", true, false, false, "0.0.0"),
        ("x.2.3", true, false, false, "0.0.0"),
        ("2", true, true, false, "2.0.0"),
        ("2.x", true, true, false, "2.0.0"),
        ("2.X.1", true, true, false, "2.0.0"),
        ("2.1", true, false, true, "2.1.0"),
        ("2.1.*", true, false, true, "2.1.0"),
        ("2.1-rc.1", true, false, true, "2.1.0-rc.1"),
        ("2.1.0+meta", false, false, false, "2.1.0+meta"),
        ("2.1.x+meta", true, false, true, "2.1.0"),
    ] {
        let c = parse_one(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(
            (c.dirty, c.minor_dirty, c.patch_dirty),
            (dirty, minor, patch),
            "{input:?}"
        );
        assert_eq!(c.con.to_string(), con, "{input:?}");
    }
    // The number classes admit `|` and letters glued to digits; those then fail to parse.
    for bad in [
        "1x.2.3",
        "1.2x",
        "1|2.3",
        "99999999999999999999.0.0",
        "1.0.0-01",
    ] {
        assert!(parse_one(bad).is_err(), "{bad:?}");
    }
}
