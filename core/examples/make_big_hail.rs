//! Write a large HAIL file from the real fixtures (for memory and speed measurements):
//! `cargo run --release -p hailog --example make_big_hail -- OUT.hail.jsonl [MEGABYTES]`

#[path = "../benches/support/bigfile.rs"]
mod bigfile;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: make_big_hail OUT [MEGABYTES]");
        std::process::exit(2);
    };
    let mb: u64 = match args.next().map(|s| s.parse()) {
        None => 200,
        Some(Ok(mb)) => mb,
        Some(Err(e)) => {
            eprintln!("MEGABYTES: {e}");
            std::process::exit(2);
        }
    };
    match bigfile::write_big_file(std::path::Path::new(&out), mb << 20) {
        Ok(bytes) => println!("{out}: {bytes} bytes"),
        Err(e) => {
            eprintln!("{out}: {e}");
            std::process::exit(1);
        }
    }
}
