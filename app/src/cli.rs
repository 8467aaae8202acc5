//! The command line: `natter [--version] [--portable] [--no-update] [--update-only]`.

/// What the command line asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cli {
    /// `--version` / `-V`: print the version and commit, then exit.
    pub version: bool,
    /// `--portable`: keep every file in `natter-data/` beside the binary.
    pub portable: bool,
    /// `--no-update`: never check for updates in this run.
    pub no_update: bool,
    /// `--update-only`: no window; check for an update, install it and restart into it (the
    /// new version then reports itself and exits). For scripts and the update test.
    pub update_only: bool,
    /// `--help` / `-h`.
    pub help: bool,
}

pub const USAGE: &str = "usage: natter [--version] [--portable] [--no-update] [--update-only]

  --version      print the version and the commit it was built from
  --portable     keep all data in natter-data/ beside the binary (also when that folder exists)
  --no-update    do not check for updates in this run
  --update-only  no window: check for an update, install it, restart into it and exit";

impl Cli {
    /// Reads the arguments (without the program name). Unknown arguments are an error, so a
    /// typo is not silently ignored.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli, String> {
        let mut cli = Cli::default();
        for arg in args {
            match arg.as_str() {
                "--version" | "-V" => cli.version = true,
                "--portable" => cli.portable = true,
                "--no-update" => cli.no_update = true,
                "--update-only" => cli.update_only = true,
                "--help" | "-h" => cli.help = true,
                // what a desktop launcher may pass (`Exec=natter %U` with nothing to open)
                "" => {}
                other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
            }
        }
        Ok(cli)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        Cli::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn flags_are_read_and_typos_refused() {
        assert_eq!(parse(&[]).unwrap(), Cli::default());
        let cli = parse(&["--portable", "--no-update"]).unwrap();
        assert!(cli.portable && cli.no_update && !cli.version);
        assert!(parse(&["-V"]).unwrap().version);
        assert!(parse(&["--update-only"]).unwrap().update_only);
        let error = parse(&["--portabel"]).unwrap_err();
        assert!(
            error.contains("--portabel") && error.contains("usage"),
            "{error}"
        );
    }
}
