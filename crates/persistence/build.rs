//! Rebuilds the crate when a migration is added or changed: the migrations
//! are embedded (`embed_migrations!`), and without this an incremental build
//! would keep the old set.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
