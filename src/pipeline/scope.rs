//! What the stages that read files through their includes know beside the files' trees.

/// What the stage knows about the files beside their trees: for `check`, a host's group and
/// what the collection asked for; for `diff OLD NEW`, the two directories.
pub(super) struct Scope<'a> {
    /// Whether what a path or glob names is known whole (listed, or asked of the host): a
    /// file it names that was not collected does not exist.
    pub(super) known: &'a dyn Fn(&str) -> bool,
    /// Whether a file was asked for by name or glob (its appearing or going stays a finding).
    pub(super) listed: &'a dyn Fn(&str) -> bool,
    /// The version of the program that reads a file.
    pub(super) version_of: &'a dyn Fn(&str) -> Option<&'a str>,
}
