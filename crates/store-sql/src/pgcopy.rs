//! A reader for PostgreSQL's binary COPY format, for the ledger columns only
//! (<https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4>).

use guichet_ledger::Entry;
use guichet_store::{Result, StoreError};

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
/// Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01 00:00:00 UTC.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

fn bad(what: &str) -> StoreError {
    StoreError::Database(format!("unreadable COPY data from PostgreSQL: {what}"))
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| bad("truncated"))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn i16(&mut self) -> Result<i16> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// One non-NULL field's bytes.
    fn field(&mut self) -> Result<&'a [u8]> {
        let len = self.i32()?;
        let len = usize::try_from(len).map_err(|_| bad("unexpected NULL"))?;
        self.take(len)
    }

    fn text(&mut self) -> Result<String> {
        String::from_utf8(self.field()?.to_vec()).map_err(|_| bad("text is not UTF-8"))
    }

    fn int8(&mut self) -> Result<i64> {
        let b: [u8; 8] = self.field()?.try_into().map_err(|_| bad("bigint width"))?;
        Ok(i64::from_be_bytes(b))
    }

    fn hash(&mut self) -> Result<[u8; 32]> {
        self.field()?
            .try_into()
            .map_err(|_| StoreError::Ledger("a ledger hash is not 32 bytes (row damaged)".into()))
    }
}

/// Parses the rows of `COPY (SELECT <ledger columns>) TO STDOUT (FORMAT binary)`.
pub fn parse_entries(data: &[u8]) -> Result<Vec<Entry>> {
    let mut c = Cursor { data, pos: 0 };
    if c.take(SIGNATURE.len())? != SIGNATURE {
        return Err(bad("missing signature"));
    }
    let _flags = c.i32()?;
    let extension = usize::try_from(c.i32()?).map_err(|_| bad("header"))?;
    c.take(extension)?;
    let mut out = Vec::new();
    loop {
        let fields = c.i16()?;
        if fields == -1 {
            break;
        }
        if fields != 12 {
            return Err(bad("unexpected column count"));
        }
        let stream = c.text()?;
        let seq = c.int8()?;
        let id = uuid::Uuid::from_slice(c.field()?).map_err(|_| bad("uuid"))?;
        let micros = i64::from_be_bytes(
            c.field()?
                .try_into()
                .map_err(|_| bad("timestamptz width"))?,
        );
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(micros + PG_EPOCH_MICROS) * 1_000,
        )
        .map_err(|_| bad("timestamp out of range"))?;
        out.push(Entry {
            stream,
            seq,
            id,
            at,
            actor: c.text()?,
            action: c.text()?,
            object_type: c.text()?,
            object_id: c.text()?,
            payload: c.text()?,
            payload_hash: c.hash()?,
            prev_hash: c.hash()?,
            entry_hash: c.hash()?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_and_truncation_without_panicking() {
        assert!(parse_entries(b"").is_err());
        assert!(
            parse_entries(b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0").is_err(),
            "no trailer"
        );
        let empty = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0\xff\xff";
        assert_eq!(parse_entries(empty).map(|v| v.len()).ok(), Some(0));
        let mut one_field = empty[..19].to_vec();
        one_field.extend_from_slice(&[0, 12, 0, 0, 0, 200]);
        assert!(
            parse_entries(&one_field).is_err(),
            "field longer than the data"
        );
    }
}
