//! `sqlx::migrate!` embeds the files of `migrations/` at compile time: rebuild the crate
//! when one is added (edits to existing files are tracked by the macro itself).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
