//! The zip container of OpenDocument and Office Open XML files.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// One file of the package.
pub struct Part<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

/// Zips the parts in order. The first part is stored uncompressed (OpenDocument requires it
/// for `mimetype`); the others are deflated. Timestamps are fixed, so that the same report
/// always gives the same bytes.
pub fn zip(parts: &[Part]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (k, part) in parts.iter().enumerate() {
        let method = if k == 0 { CompressionMethod::Stored } else { CompressionMethod::Deflated };
        let options = SimpleFileOptions::default().compression_method(method);
        // Writing to memory: the only possible failures are misuse (duplicate names,
        // entries over 4 GiB), which the fixed part lists of this crate cannot produce.
        w.start_file(part.name, options).expect("valid zip entry");
        w.write_all(part.data).expect("write to memory");
    }
    w.finish().expect("finish an in-memory zip").into_inner()
}
