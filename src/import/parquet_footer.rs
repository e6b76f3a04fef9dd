//! A bounds check of a Parquet file's footer before the `parquet` crate decodes it. The crate
//! sizes vectors from counts in the footer's Thrift encoding (a list's length, a schema
//! group's number of children) before reading the elements, so a footer of a few hundred bytes
//! can ask for gigabytes and abort the process. This walks the footer's Thrift compact encoding
//! without allocating and refuses any list longer than the bytes left to hold it, and any
//! schema group with more children than the schema has elements.

use std::io::{Read, Seek, SeekFrom};

/// Footers larger than this are refused (a real file's footer is kilobytes to a few MiB).
const MAX_FOOTER: u64 = 256 << 20;
/// Thrift structures nest a few levels in a Parquet footer; a deeper one is damage.
const MAX_DEPTH: u32 = 64;

/// Reads the footer of `file` and checks it; the error says what is wrong with it.
pub fn check(file: &mut (impl Read + Seek)) -> Result<(), String> {
    let len = file.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
    if len < 12 {
        return Ok(()); // too short to be Parquet: the crate says so itself
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::End(-8)).map_err(|e| e.to_string())?;
    file.read_exact(&mut tail).map_err(|e| e.to_string())?;
    if &tail[4..] != b"PAR1" {
        return Ok(());
    }
    let meta_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if meta_len > len - 8 || meta_len > MAX_FOOTER {
        return Err(format!(
            "damaged Parquet footer: it claims {meta_len} bytes in a file of {len}"
        ));
    }
    let mut meta = vec![0u8; meta_len as usize];
    file.seek(SeekFrom::End(-8 - meta_len as i64))
        .map_err(|e| e.to_string())?;
    file.read_exact(&mut meta).map_err(|e| e.to_string())?;
    check_metadata(&meta).map_err(|e| format!("damaged Parquet footer: {e}"))
}

/// Checks the Thrift-encoded `FileMetaData`.
pub fn check_metadata(meta: &[u8]) -> Result<(), String> {
    let mut c = Cursor { b: meta, at: 0 };
    // FileMetaData is a struct whose field 2 is the schema: list<SchemaElement>, where
    // SchemaElement's field 5 is num_children.
    let mut last = 0i16;
    loop {
        let (ty, id) = c.field(&mut last)?;
        if ty == STOP {
            return Ok(());
        }
        if id == 2 && ty == LIST {
            let (ety, n) = c.list()?;
            if ety != STRUCT {
                c.skip_elements(ety, n, 1)?;
                continue;
            }
            // Every element but the root is one group's child: the counts sum to at most n - 1.
            let mut total = 0u64;
            for _ in 0..n {
                let children = c.schema_element()?;
                if children.is_some_and(|k| k < 0 || k as u64 > n) {
                    return Err(format!(
                        "a schema group claims {} children of {n} schema elements",
                        children.unwrap_or_default()
                    ));
                }
                total += children.unwrap_or(0) as u64;
            }
            if total >= n.max(1) {
                return Err(format!(
                    "schema groups claim {total} children in all of {n} schema elements"
                ));
            }
        } else {
            c.skip(ty, 1)?;
        }
    }
}

const STOP: u8 = 0;
const TRUE: u8 = 1;
const FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;
const UUID: u8 = 13;

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn left(&self) -> u64 {
        (self.b.len() - self.at) as u64
    }

    fn byte(&mut self) -> Result<u8, String> {
        let v = *self.b.get(self.at).ok_or("it ends inside a value")?;
        self.at += 1;
        Ok(v)
    }

    fn take(&mut self, n: u64) -> Result<(), String> {
        if n > self.left() {
            return Err(format!("a value of {n} bytes with {} left", self.left()));
        }
        self.at += n as usize;
        Ok(())
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift < 64 {
                v |= u64::from(b & 0x7f) << shift;
            }
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a variable-length number runs on".into())
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// A struct field's header: its type and id (`STOP` at the end of the struct).
    fn field(&mut self, last: &mut i16) -> Result<(u8, i16), String> {
        let h = self.byte()?;
        let ty = h & 0x0f;
        if ty == STOP {
            return Ok((STOP, 0));
        }
        let delta = h >> 4;
        let id = if delta == 0 {
            i16::try_from(self.zigzag()?).map_err(|_| "a field id out of range")?
        } else {
            last.wrapping_add(i16::from(delta))
        };
        *last = id;
        Ok((ty, id))
    }

    /// A list or set header: element type and a length the bytes left can hold (every
    /// element takes at least one byte).
    fn list(&mut self) -> Result<(u8, u64), String> {
        let h = self.byte()?;
        let n = match h >> 4 {
            15 => self.varint()?,
            n => u64::from(n),
        };
        if n > self.left() {
            return Err(format!(
                "a list of {n} elements in the {} bytes left",
                self.left()
            ));
        }
        Ok((h & 0x0f, n))
    }

    fn skip_elements(&mut self, ty: u8, n: u64, depth: u32) -> Result<(), String> {
        for _ in 0..n {
            match ty {
                // In a list a bool is a byte.
                TRUE | FALSE => self.take(1)?,
                _ => self.skip(ty, depth)?,
            }
        }
        Ok(())
    }

    /// Passes over one value of type `ty`.
    fn skip(&mut self, ty: u8, depth: u32) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("values nested too deep".into());
        }
        match ty {
            TRUE | FALSE => Ok(()),
            BYTE => self.take(1),
            I16 | I32 | I64 => self.varint().map(drop),
            DOUBLE => self.take(8),
            UUID => self.take(16),
            BINARY => {
                let n = self.varint()?;
                self.take(n)
            }
            LIST | SET => {
                let (ety, n) = self.list()?;
                self.skip_elements(ety, n, depth + 1)
            }
            MAP => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                if n > self.left() {
                    return Err(format!(
                        "a map of {n} entries in the {} bytes left",
                        self.left()
                    ));
                }
                let kv = self.byte()?;
                for _ in 0..n {
                    self.skip_elements(kv >> 4, 1, depth + 1)?;
                    self.skip_elements(kv & 0x0f, 1, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => {
                let mut last = 0;
                loop {
                    let (fty, _) = self.field(&mut last)?;
                    if fty == STOP {
                        return Ok(());
                    }
                    self.skip(fty, depth + 1)?;
                }
            }
            other => Err(format!("an unknown Thrift type {other}")),
        }
    }

    /// A `SchemaElement`, passed over; its `num_children` (field 5) if it has one.
    fn schema_element(&mut self) -> Result<Option<i64>, String> {
        let mut last = 0;
        let mut children = None;
        loop {
            let (ty, id) = self.field(&mut last)?;
            match (ty, id) {
                (STOP, _) => return Ok(children),
                // The `parquet` crate reads field 5 as a number whatever type it is tagged.
                (I16 | I32 | I64, 5) => children = Some(self.zigzag()?),
                (_, 5) => return Err(format!("num_children tagged with Thrift type {ty}")),
                _ => self.skip(ty, 2)?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FileMetaData { 2: schema [ {4: name "s", 5: num_children N} ] }.
    fn footer_with_children(n: u8) -> Vec<u8> {
        vec![
            0x29, // field 2 (delta 2), list
            0x1c, // one struct element
            0x48, 0x01, b's', // field 4 (delta 4), binary "s"
            0x15, n,    // field 5 (delta 1), i32 zigzag
            0x00, // end of SchemaElement
            0x00, // end of FileMetaData
        ]
    }

    #[test]
    fn a_group_with_more_children_than_the_schema_has_elements_is_refused() {
        assert_eq!(check_metadata(&footer_with_children(0)), Ok(()));
        // A root with one child needs two elements.
        let e = check_metadata(&footer_with_children(2)).unwrap_err();
        assert!(e.contains("claim 1 children in all of 1"), "{e}");
        let e = check_metadata(&footer_with_children(100)).unwrap_err();
        assert!(e.contains("claims 50 children of 1"), "{e}");
    }

    #[test]
    fn a_list_longer_than_the_bytes_left_is_refused() {
        // field 4 (row groups): a list of structs claiming 2^31 - 1 elements.
        let meta = [0x49, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00];
        let e = check_metadata(&meta).unwrap_err();
        assert!(e.contains("a list of 2147483647 elements"), "{e}");
        assert!(check_metadata(&[0x49]).unwrap_err().contains("ends inside"));
    }
}
