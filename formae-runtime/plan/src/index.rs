//! A plan's changes by resource name: positions in `changes`, hashed by the name each
//! change holds, so that looking one up is quick and building the index copies no name.

use std::hash::BuildHasher;

use rustc_hash::FxBuildHasher;

use super::Change;

/// Where each resource's change is in a plan's `changes`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChangeIndex(hashbrown::HashTable<usize>);

fn hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

impl ChangeIndex {
    /// The index of `changes`; of two changes to one name, the later.
    pub(crate) fn of(changes: &[Change]) -> Self {
        let mut table = hashbrown::HashTable::with_capacity(changes.len());
        for (i, c) in changes.iter().enumerate() {
            let h = hash(&c.resource);
            match table.find_mut(h, |&j: &usize| changes[j].resource == c.resource) {
                Some(at) => *at = i,
                None => {
                    table.insert_unique(h, i, |&j: &usize| hash(&changes[j].resource));
                }
            }
        }
        ChangeIndex(table)
    }

    /// Where the change to `resource` is in `changes`, the list this index was built of.
    pub(crate) fn get(&self, changes: &[Change], resource: &str) -> Option<usize> {
        self.0.find(hash(resource), |&j| changes.get(j).is_some_and(|c| c.resource == resource)).copied()
    }
}

/// Built from the changes, which a plan compares already.
impl PartialEq for ChangeIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, ChangeLifecycle, ChangeOutputs};

    fn change(resource: &str, action: Action) -> Change {
        Change {
            resource: resource.to_owned(),
            type_name: "AWS::SQS::Queue".to_owned(),
            action,
            before: None,
            after: None,
            fields: Vec::new(),
            outputs: ChangeOutputs::default(),
            prior_outputs: Default::default(),
            reason: None,
            lifecycle: ChangeLifecycle::default(),
            declared: None,
        }
    }

    #[test]
    fn each_change_is_found_by_its_name_and_the_later_of_two_wins() {
        let mut changes: Vec<Change> = (0..1000).map(|i| change(&format!("q{i}"), Action::NoOp)).collect();
        changes.push(change("q7", Action::Delete));
        let index = ChangeIndex::of(&changes);
        for i in 0..1000 {
            let at = index.get(&changes, &format!("q{i}")).expect("every change is indexed");
            assert_eq!(changes[at].resource, format!("q{i}"));
        }
        assert_eq!(index.get(&changes, "q7"), Some(1000), "the later change to a name");
        assert_eq!(index.get(&changes, "q1000"), None);
        assert_eq!(index.get(&[], "q1"), None, "looked up in a list it was not built of, it finds nothing there");
    }
}
