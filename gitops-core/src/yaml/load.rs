//! stub
/// stub
pub struct Document;
/// stub
pub struct LoadOptions;
/// stub
pub enum Schema {}
/// stub
pub fn load_documents() {}
