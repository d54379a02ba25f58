//! The address of a change in a plan: a declared replication
//! (`replication.NAME[...]`), a `removed` block (`removed.fs-...`), a
//! replication deleted by `prune` (`unmanaged.fs-...`) or an orphaned
//! destination side the plan removes (`orphan.fs-...`).
//!
//! A [`ChangeAddress`] is built from typed parts or parsed from its text
//! through the same validation (a saved plan), and is written as that text,
//! so JSON output is the text it always was. Addresses compare and sort by
//! their text, the order plans have always listed them in. Nothing here
//! matches prefixes of strings for behaviour: callers ask [`ChangeAddress::kind`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Address, FileSystemId, InvalidValue};

/// What a change address names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddressKind {
    /// A declared replication.
    Replication(Address),
    /// A `removed` block, by the source file system it names.
    Removed(FileSystemId),
    /// An undeclared replication deleted by `prune`, by its source.
    Unmanaged(FileSystemId),
    /// An orphaned destination side, by its destination file system.
    Orphan(FileSystemId),
}

/// The address of one change (see the module documentation). Serialized as
/// its text and deserialized only through [`ChangeAddress::parse`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChangeAddress {
    kind: AddressKind,
    /// The canonical text, kept so comparing and sorting allocate nothing.
    text: Box<str>,
}

impl ChangeAddress {
    fn new(kind: AddressKind) -> Self {
        let text = match &kind {
            AddressKind::Replication(a) => a.to_string(),
            AddressKind::Removed(fs) => format!("removed.{fs}"),
            AddressKind::Unmanaged(fs) => format!("unmanaged.{fs}"),
            AddressKind::Orphan(fs) => format!("orphan.{fs}"),
        };
        ChangeAddress {
            kind,
            text: text.into_boxed_str(),
        }
    }

    /// A declared replication's change.
    pub fn replication(address: Address) -> Self {
        Self::new(AddressKind::Replication(address))
    }

    /// The change of a `removed` block naming this source.
    pub fn removed(source: FileSystemId) -> Self {
        Self::new(AddressKind::Removed(source))
    }

    /// The change deleting an undeclared replication of this source (`prune`).
    pub fn unmanaged(source: FileSystemId) -> Self {
        Self::new(AddressKind::Unmanaged(source))
    }

    /// The change removing the orphaned destination side on this file system.
    pub fn orphan(destination: FileSystemId) -> Self {
        Self::new(AddressKind::Orphan(destination))
    }

    /// Parses the text of any of the four kinds.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let bad = || {
            InvalidValue {
            what: "change address",
            value: text.to_owned(),
            expected: "replication.NAME, replication.NAME[N], replication.NAME[\"key\"], removed.fs-..., unmanaged.fs-... or orphan.fs-...",
        }
        };
        let fs = |id: &str| FileSystemId::parse(id).map_err(|_| bad());
        let kind = if text.starts_with("replication.") {
            AddressKind::Replication(Address::try_from(text.to_owned())?)
        } else if let Some(id) = text.strip_prefix("removed.") {
            AddressKind::Removed(fs(id)?)
        } else if let Some(id) = text.strip_prefix("unmanaged.") {
            AddressKind::Unmanaged(fs(id)?)
        } else if let Some(id) = text.strip_prefix("orphan.") {
            AddressKind::Orphan(fs(id)?)
        } else {
            return Err(bad());
        };
        Ok(Self::new(kind))
    }

    /// What the address names.
    pub fn kind(&self) -> &AddressKind {
        &self.kind
    }

    /// The declared replication's address, for a declared replication's change.
    pub fn declared(&self) -> Option<&Address> {
        match &self.kind {
            AddressKind::Replication(a) => Some(a),
            _ => None,
        }
    }

    /// The text, as plans and reports write it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `--target` value `target` selects this address: the address
    /// itself, or for a block name without a key (`replication.NAME`) every
    /// instance of that block.
    pub fn is_selected_by(&self, target: &str) -> bool {
        if self.as_str() == target {
            return true;
        }
        match &self.kind {
            AddressKind::Replication(a) => {
                a.key.is_some()
                    && target
                        .strip_prefix("replication.")
                        .is_some_and(|name| name == a.name)
            }
            _ => false,
        }
    }

    /// The address without its `for_each` key (`replication.NAME`): what a
    /// `--target` names to select every instance of a block.
    pub fn block(&self) -> std::borrow::Cow<'_, str> {
        match &self.kind {
            AddressKind::Replication(a) if a.key.is_some() => Address {
                name: a.name.clone(),
                key: None,
            }
            .to_string()
            .into(),
            _ => self.as_str().into(),
        }
    }
}

impl PartialEq for ChangeAddress {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for ChangeAddress {}

impl std::hash::Hash for ChangeAddress {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.text.hash(h);
    }
}

impl PartialOrd for ChangeAddress {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ChangeAddress {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl PartialEq<str> for ChangeAddress {
    fn eq(&self, other: &str) -> bool {
        &*self.text == other
    }
}

impl PartialEq<&str> for ChangeAddress {
    fn eq(&self, other: &&str) -> bool {
        &*self.text == *other
    }
}

impl PartialEq<String> for ChangeAddress {
    fn eq(&self, other: &String) -> bool {
        *self.text == **other
    }
}

impl PartialEq<Address> for ChangeAddress {
    fn eq(&self, other: &Address) -> bool {
        self.declared() == Some(other)
    }
}

impl fmt::Display for ChangeAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl TryFrom<String> for ChangeAddress {
    type Error = InvalidValue;
    fn try_from(text: String) -> Result<Self, InvalidValue> {
        Self::parse(&text)
    }
}

impl From<ChangeAddress> for String {
    fn from(a: ChangeAddress) -> String {
        a.text.into()
    }
}

impl From<Address> for ChangeAddress {
    fn from(a: Address) -> Self {
        Self::replication(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_as_written() {
        for text in [
            "replication.a",
            "replication.a[3]",
            "replication.a[\"eu-west-1\"]",
            "removed.fs-0123456789abcdef0",
            "unmanaged.fs-0123456789abcdef0",
            "orphan.fs-0123456789abcdef0",
        ] {
            let a = ChangeAddress::parse(text).unwrap();
            assert_eq!(a.as_str(), text);
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, serde_json::to_string(text).unwrap());
            let back: ChangeAddress = serde_json::from_str(&json).unwrap();
            assert_eq!(back, a);
        }
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for text in [
            "",
            "web",
            "removed.",
            "removed.fs-1",
            "unmanaged.nope",
            "orphan.fs-XYZ12345",
            "replication.",
            "replication.a[x]",
            "module.a",
        ] {
            let e = ChangeAddress::parse(text).unwrap_err();
            assert_eq!(e.value, text, "{text}");
            assert!(
                serde_json::from_str::<ChangeAddress>(&serde_json::to_string(text).unwrap())
                    .is_err()
            );
        }
    }

    #[test]
    fn kinds_are_told_by_type() {
        let fs = FileSystemId::parse("fs-0123456789abcdef0").unwrap();
        assert_eq!(
            ChangeAddress::parse("removed.fs-0123456789abcdef0")
                .unwrap()
                .kind(),
            &AddressKind::Removed(fs.clone())
        );
        assert_eq!(
            ChangeAddress::orphan(fs.clone()).kind(),
            &AddressKind::Orphan(fs)
        );
    }

    #[test]
    fn a_block_target_selects_its_instances_only() {
        let keyed = ChangeAddress::parse("replication.web[\"eu\"]").unwrap();
        let other = ChangeAddress::parse("replication.web-2[\"eu\"]").unwrap();
        assert!(keyed.is_selected_by("replication.web"));
        assert!(keyed.is_selected_by("replication.web[\"eu\"]"));
        assert!(!keyed.is_selected_by("replication.we"));
        assert!(!other.is_selected_by("replication.web"));
        assert_eq!(keyed.block(), "replication.web");
    }

    #[test]
    fn addresses_sort_by_their_text() {
        let mut v: Vec<ChangeAddress> = [
            "replication.a-b",
            "replication.a[\"x\"]",
            "removed.fs-0123456789abcdef0",
        ]
        .into_iter()
        .map(|t| ChangeAddress::parse(t).unwrap())
        .collect();
        v.sort();
        let texts: Vec<&str> = v.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            texts,
            [
                "removed.fs-0123456789abcdef0",
                "replication.a-b",
                "replication.a[\"x\"]"
            ]
        );
    }
}
