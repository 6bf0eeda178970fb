//! French identifiers: NIR (social security number), SIREN, SIRET.

use std::fmt;

use super::{Compact, IdError, all_digits, digits_value, luhn};
use crate::ids::Sex;

/// A NIR (numéro d'inscription au répertoire): 13 characters and a 2-digit key,
/// key = 97 − (number mod 97), with Corsica's 2A and 2B read as 19 and 18 for the key.
/// Same rules as `stdnum.fr.nir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nir {
    chars: [u8; 15],
}

/// The key of the first 13 characters (2A/2B already allowed at positions 6–7).
pub fn nir_key(first13: &[u8]) -> u8 {
    let mut n = [0u8; 13];
    n.copy_from_slice(&first13[..13]);
    match &n[5..7] {
        b"2A" => n[5..7].copy_from_slice(b"19"),
        b"2B" => n[5..7].copy_from_slice(b"18"),
        _ => {}
    }
    (97 - (digits_value(&n) % 97)) as u8
}

impl Nir {
    pub fn parse(input: &str) -> Result<Nir, IdError> {
        let c = Compact::new(input, b" .", true)?;
        let b = c.bytes();
        let department_ok = |d: &[u8]| all_digits(d) || d == b"2A" || d == b"2B";
        if b.len() != 15 {
            let plausible = b
                .iter()
                .all(|x| x.is_ascii_digit() || *x == b'A' || *x == b'B');
            return Err(if plausible {
                IdError::WrongLength {
                    found: b.len(),
                    expected: "15",
                }
            } else {
                IdError::InvalidCharacters
            });
        }
        if !all_digits(&b[..5]) || !department_ok(&b[5..7]) || !all_digits(&b[7..]) {
            return Err(IdError::InvalidCharacters);
        }
        if nir_key(&b[..13]) != digits_value(&b[13..]) as u8 || digits_value(&b[13..]) > 97 {
            return Err(IdError::CheckDigit);
        }
        let mut chars = [0u8; 15];
        chars.copy_from_slice(b);
        Ok(Nir { chars })
    }

    /// 1 = male, 2 = female (other first digits: temporary numbers).
    pub fn sex(&self) -> Option<Sex> {
        match self.chars[0] {
            b'1' => Some(Sex::Male),
            b'2' => Some(Sex::Female),
            _ => None,
        }
    }

    /// The last two digits of the year of birth.
    pub fn birth_year_2(&self) -> u8 {
        digits_value(&self.chars[1..3]) as u8
    }

    /// The month of birth, when known (values 20 and above mean unknown).
    pub fn birth_month(&self) -> Option<u8> {
        let m = digits_value(&self.chars[3..5]) as u8;
        (1..=12).contains(&m).then_some(m)
    }

    /// The département of birth (`2A`, `2B`, `75`, or `99` for born abroad).
    pub fn department(&self) -> &str {
        std::str::from_utf8(&self.chars[5..7]).unwrap_or("")
    }
}

impl fmt::Display for Nir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = std::str::from_utf8(&self.chars).unwrap_or("");
        write!(
            f,
            "{} {} {} {} {} {} {}",
            &s[..1],
            &s[1..3],
            &s[3..5],
            &s[5..7],
            &s[7..10],
            &s[10..13],
            &s[13..]
        )
    }
}

/// A SIREN (company number): 9 digits, Luhn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Siren {
    digits: [u8; 9],
}

impl Siren {
    pub fn parse(input: &str) -> Result<Siren, IdError> {
        let c = Compact::new(input, b" .", false)?;
        let b = c.bytes();
        if !all_digits(b) {
            return Err(IdError::InvalidCharacters);
        }
        if b.len() != 9 {
            return Err(IdError::WrongLength {
                found: b.len(),
                expected: "9",
            });
        }
        if !luhn(b) {
            return Err(IdError::CheckDigit);
        }
        let mut digits = [0u8; 9];
        digits.copy_from_slice(b);
        Ok(Siren { digits })
    }
}

impl fmt::Display for Siren {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = std::str::from_utf8(&self.digits).unwrap_or("");
        write!(f, "{} {} {}", &s[..3], &s[3..6], &s[6..])
    }
}

/// A SIRET (establishment number): SIREN + 5 digits, Luhn over all 14 — except La Poste's
/// establishments (SIREN 356000000, head office 35600000000048 aside), whose digits add up
/// to a multiple of 5. Same rules as `stdnum.fr.siret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Siret {
    digits: [u8; 14],
}

impl Siret {
    pub fn parse(input: &str) -> Result<Siret, IdError> {
        let c = Compact::new(input, b" .", false)?;
        let b = c.bytes();
        if !all_digits(b) {
            return Err(IdError::InvalidCharacters);
        }
        if b.len() != 14 {
            return Err(IdError::WrongLength {
                found: b.len(),
                expected: "14",
            });
        }
        let la_poste = b.starts_with(b"356000000") && b != b"35600000000048";
        let valid = if la_poste {
            b.iter().map(|d| u32::from(d - b'0')).sum::<u32>() % 5 == 0
        } else {
            luhn(b)
        };
        if !valid || !luhn(&b[..9]) {
            return Err(IdError::CheckDigit);
        }
        let mut digits = [0u8; 14];
        digits.copy_from_slice(b);
        Ok(Siret { digits })
    }

    pub fn siren(&self) -> Siren {
        let mut digits = [0u8; 9];
        digits.copy_from_slice(&self.digits[..9]);
        Siren { digits }
    }
}

impl fmt::Display for Siret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = std::str::from_utf8(&self.digits).unwrap_or("");
        write!(f, "{} {} {} {}", &s[..3], &s[3..6], &s[6..9], &s[9..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nir_with_corsica_and_decoding() {
        // Example NIR from the INSEE documentation pattern: key computed by the rule.
        let n = Nir::parse("1 85 05 78 006 084 91").map(|n| {
            (
                n.sex(),
                n.birth_year_2(),
                n.birth_month(),
                n.department().to_owned(),
            )
        });
        assert_eq!(n, Ok((Some(Sex::Male), 85, Some(5), "78".to_owned())));
        let key = nir_key(b"2690299341732");
        assert!(Nir::parse(&format!("2690299341732{key:02}")).is_ok());
        let corsica = format!("269022A341732{:02}", nir_key(b"269022A341732"));
        assert_eq!(
            Nir::parse(&corsica.to_lowercase()).map(|n| n.department().to_owned()),
            Ok("2A".into())
        );
        assert_eq!(
            Nir::parse("1 85 05 78 006 084 92"),
            Err(IdError::CheckDigit)
        );
    }

    #[test]
    fn siren_siret_and_la_poste() {
        assert!(Siren::parse("732 829 320").is_ok());
        assert_eq!(Siren::parse("732829321"), Err(IdError::CheckDigit));
        assert!(Siret::parse("732 829 320 00074").is_ok());
        assert_eq!(Siret::parse("73282932000075"), Err(IdError::CheckDigit));
        // La Poste: digit sum a multiple of 5, not Luhn.
        assert!(Siret::parse("35600000049837").is_ok());
        assert!(Siret::parse("35600000000048").is_ok());
        assert_eq!(Siret::parse("35600000049838"), Err(IdError::CheckDigit));
    }
}
