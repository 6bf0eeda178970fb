//! `guichet id check`: reads `KIND,VALUE` lines, writes `KIND,VALUE,valid` or
//! `KIND,VALUE,invalid,REASON` for each, in order. Built for millions of lines: one buffered
//! read and write, no allocation per line.

use std::io::{BufRead, Write};

use guichet_rules::ids::{Kind, validate};

/// Checks every line of `input`; returns how many lines were read.
pub fn run(input: impl BufRead, mut output: impl Write) -> std::io::Result<u64> {
    let mut lines = 0u64;
    let mut input = input;
    let mut line = Vec::with_capacity(128);
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        lines += 1;
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        let text = String::from_utf8_lossy(&line);
        let Some((kind, value)) = text.split_once(',') else {
            writeln!(output, "{text},,invalid,malformed_line")?;
            continue;
        };
        let verdict = kind.parse::<Kind>().and_then(|k| validate(k, value));
        match verdict {
            Ok(()) => writeln!(output, "{kind},{value},valid")?,
            Err(e) => writeln!(output, "{kind},{value},invalid,{}", e.code())?,
        }
    }
    output.flush()?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_line_out_per_line_in() {
        let input = "siren,732829320\nsiren,732829321\nmst,0100109106-001\npassport,X1\nno comma here\ncccd,099185000123\r\nnir,\n";
        let mut out = Vec::new();
        assert_eq!(super::run(input.as_bytes(), &mut out).unwrap(), 7);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "siren,732829320,valid\nsiren,732829321,invalid,check_digit\nmst,0100109106-001,valid\n\
             passport,X1,invalid,unknown_kind\nno comma here,,invalid,malformed_line\ncccd,099185000123,invalid,unknown_province\n\
             nir,,invalid,empty\n"
        );
    }
}
