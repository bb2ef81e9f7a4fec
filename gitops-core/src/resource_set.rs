//! stub
/// stub
#[derive(Debug, thiserror::Error)]
#[error("stub")]
pub struct Error;
/// stub
pub struct ResourceSet(Vec<crate::Object>);
impl ResourceSet { /// stub
pub fn from_yaml_str(_s: &str, _f: &str) -> Result<Self, Error> { Err(Error) } /// stub
pub fn objects(&self) -> &[crate::Object] { &self.0 } }
