//! stub
/// stub
#[derive(Clone, Debug)]
pub struct Object(serde_json::Value);
impl Object { /// stub
 pub fn id(&self) -> ObjectId { ObjectId } /// stub
 pub fn as_value(&self) -> &serde_json::Value { &self.0 } }
/// stub
pub struct ObjectId;
impl std::fmt::Display for ObjectId { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("") } }
