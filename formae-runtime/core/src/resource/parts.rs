//! A large stack built from parts: `stack!` puts runs of plain resources into functions
//! of their own, which depend only on the parameters, so they are built first on every
//! core and then added where they stand among the stack's other steps.

use super::StackInstance;

/// The parts of a large stack, built ahead of the steps that add them in order.
#[derive(Debug)]
pub struct BuiltParts(std::vec::IntoIter<StackInstance>);

impl StackInstance {
    /// Builds the parts of a large stack, each of up to `size` resources, from `params`,
    /// on every core, for [`StackInstance::add_part`] to take in order.
    pub fn build_parts<P: Sync>(&self, params: &P, size: usize, parts: &[fn(&P, &mut StackInstance)]) -> BuiltParts {
        let name = self.name;
        let built = crate::parallel::map_weighted(parts, size, |add| {
            let mut part = StackInstance::with_capacity(name, size);
            add(params, &mut part);
            part
        });
        BuiltParts(built.into_iter())
    }

    /// Adds the next part [`StackInstance::build_parts`] built: its resources and what it
    /// recorded, as if they had been added here.
    pub fn add_part(&mut self, built: &mut BuiltParts) {
        let Some(part) = built.0.next() else { return };
        self.resources.extend(part.resources);
        self.outputs.extend(part.outputs);
        self.invalid.extend(part.invalid);
        self.key_problems.extend(part.key_problems);
        self.switched_off.extend(part.switched_off);
        self.moves.extend(part.moves);
        for (stack, output) in part.reads {
            self.reads(stack, output);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(p: &&'static str, s: &mut StackInstance) {
        s.switched_off("first", p);
        s.reads("other", "out");
    }

    fn second(p: &&'static str, s: &mut StackInstance) {
        s.switched_off("second", p);
        s.key_problem("second", "f", "k");
    }

    #[test]
    fn parts_built_on_every_core_are_added_where_they_stand() {
        // 200 parts of 64 resources' worth: more than one thread's where there are cores.
        // The first 150 one way, the rest the other: any run out of its place shows.
        let parts: Vec<fn(&&'static str, &mut StackInstance)> = (0..200).map(|i| if i < 150 { first as fn(&&'static str, &mut StackInstance) } else { second }).collect();
        let mut s = StackInstance::with_capacity("t", 0);
        let mut built = s.build_parts(&"on", 64, &parts);
        for i in 0..200 {
            s.add_part(&mut built);
            if i == 99 {
                s.switched_off("between", "here");
            }
        }
        s.add_part(&mut built);
        let order: Vec<&str> = s.switched_off.iter().map(|(r, _)| *r).collect();
        let mut expected: Vec<&str> = (0..200).map(|i| if i < 150 { "first" } else { "second" }).collect();
        expected.insert(100, "between");
        assert_eq!(order, expected, "each part where its step stands");
        assert!(s.switched_off.iter().all(|(r, c)| *r == "between" || *c == "on"), "built from the parameters");
        assert_eq!(s.reads, [("other", "out")], "a stack read by several parts is recorded once");
        assert_eq!(s.key_problems.len(), 50);
    }
}
