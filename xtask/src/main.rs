//! `cargo xtask`: formae's command line over this repository's stacks, with the
//! repository's own automation (`test`, `bench`) added to it.

mod bench;
mod codegen;
mod repo;
mod test;

fn main() -> std::process::ExitCode {
    formae_cli::Cli::new(formae_stacks::ALL).extend::<repo::Repo>().run()
}
