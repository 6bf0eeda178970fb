//! Vietnamese identifiers: CCCD (personal identification number), CMND, MST (tax code).

use std::fmt;

use super::{Compact, IdError, all_digits, digits_value};

/// Birth-province codes of the 12-digit personal identification number (Circular
/// 07/2016/TT-BCA, annex: the 63 provinces as they were before 1 July 2025; the codes keep
/// naming the province of birth registration after the 2025 merger).
pub const PROVINCE_CODES: [(u16, &str); 63] = [
    (1, "Hà Nội"),
    (2, "Hà Giang"),
    (4, "Cao Bằng"),
    (6, "Bắc Kạn"),
    (8, "Tuyên Quang"),
    (10, "Lào Cai"),
    (11, "Điện Biên"),
    (12, "Lai Châu"),
    (14, "Sơn La"),
    (15, "Yên Bái"),
    (17, "Hòa Bình"),
    (19, "Thái Nguyên"),
    (20, "Lạng Sơn"),
    (22, "Quảng Ninh"),
    (24, "Bắc Giang"),
    (25, "Phú Thọ"),
    (26, "Vĩnh Phúc"),
    (27, "Bắc Ninh"),
    (30, "Hải Dương"),
    (31, "Hải Phòng"),
    (33, "Hưng Yên"),
    (34, "Thái Bình"),
    (35, "Hà Nam"),
    (36, "Nam Định"),
    (37, "Ninh Bình"),
    (38, "Thanh Hóa"),
    (40, "Nghệ An"),
    (42, "Hà Tĩnh"),
    (44, "Quảng Bình"),
    (45, "Quảng Trị"),
    (46, "Thừa Thiên Huế"),
    (48, "Đà Nẵng"),
    (49, "Quảng Nam"),
    (51, "Quảng Ngãi"),
    (52, "Bình Định"),
    (54, "Phú Yên"),
    (56, "Khánh Hòa"),
    (58, "Ninh Thuận"),
    (60, "Bình Thuận"),
    (62, "Kon Tum"),
    (64, "Gia Lai"),
    (66, "Đắk Lắk"),
    (67, "Đắk Nông"),
    (68, "Lâm Đồng"),
    (70, "Bình Phước"),
    (72, "Tây Ninh"),
    (74, "Bình Dương"),
    (75, "Đồng Nai"),
    (77, "Bà Rịa - Vũng Tàu"),
    (79, "Hồ Chí Minh"),
    (80, "Long An"),
    (82, "Tiền Giang"),
    (83, "Bến Tre"),
    (84, "Trà Vinh"),
    (86, "Vĩnh Long"),
    (87, "Đồng Tháp"),
    (89, "An Giang"),
    (91, "Kiên Giang"),
    (92, "Cần Thơ"),
    (93, "Hậu Giang"),
    (94, "Sóc Trăng"),
    (95, "Bạc Liêu"),
    (96, "Cà Mau"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

/// A 12-digit personal identification number (số định danh cá nhân, on the CCCD card):
/// province of birth registration (3), century and sex (1), year of birth (2), serial (6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cccd {
    digits: [u8; 12],
}

impl Cccd {
    pub fn parse(input: &str) -> Result<Cccd, IdError> {
        let c = Compact::new(input, b" -.", false)?;
        let b = c.bytes();
        if !all_digits(b) {
            return Err(IdError::InvalidCharacters);
        }
        if b.len() != 12 {
            return Err(IdError::WrongLength {
                found: b.len(),
                expected: "12",
            });
        }
        let province = digits_value(&b[..3]) as u16;
        if PROVINCE_CODES
            .binary_search_by_key(&province, |(code, _)| *code)
            .is_err()
        {
            return Err(IdError::UnknownProvince(province));
        }
        // 0/1: born 1900–1999, 2/3: 2000–2099 (male/female); 4–9 name centuries not begun.
        let century = b[3] - b'0';
        if century > 3 {
            return Err(IdError::ImpossibleCentury(century));
        }
        let mut digits = [0u8; 12];
        digits.copy_from_slice(b);
        Ok(Cccd { digits })
    }

    pub fn province_code(&self) -> u16 {
        digits_value(&self.digits[..3]) as u16
    }

    pub fn province_name(&self) -> &'static str {
        let code = self.province_code();
        PROVINCE_CODES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or("", |(_, n)| n)
    }

    pub fn sex(&self) -> Sex {
        if (self.digits[3] - b'0').is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    pub fn birth_year(&self) -> i32 {
        let century = i32::from((self.digits[3] - b'0') / 2);
        1900 + century * 100 + digits_value(&self.digits[4..6]) as i32
    }
}

impl fmt::Display for Cccd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.digits).unwrap_or(""))
    }
}

/// The old 9-digit identity card number (chứng minh nhân dân); format only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cmnd {
    digits: [u8; 9],
}

impl Cmnd {
    pub fn parse(input: &str) -> Result<Cmnd, IdError> {
        let c = Compact::new(input, b" -.", false)?;
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
        let mut digits = [0u8; 9];
        digits.copy_from_slice(b);
        Ok(Cmnd { digits })
    }
}

impl fmt::Display for Cmnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.digits).unwrap_or(""))
    }
}

/// A tax code (mã số thuế): 10 digits with a check digit, or 13 for a dependent unit
/// (`XXXXXXXXXX-NNN`, branch 001–999). Same rules as `stdnum.vn.mst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mst {
    digits: [u8; 13],
    len: usize,
}

const MST_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// The check digit for the first nine digits; `None` when the remainder gives 10 (no valid code).
pub fn mst_check_digit(first9: &[u8]) -> Option<u8> {
    let total: u32 = first9
        .iter()
        .zip(MST_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = 10 - (total % 11);
    (check < 10).then_some(check as u8)
}

impl Mst {
    pub fn parse(input: &str) -> Result<Mst, IdError> {
        let c = Compact::new(input, b" -.", false)?;
        let b = c.bytes();
        if b.len() != 10 && b.len() != 13 {
            return Err(IdError::WrongLength {
                found: b.len(),
                expected: "10 or 13",
            });
        }
        if !all_digits(b) {
            return Err(IdError::InvalidCharacters);
        }
        if &b[2..9] == b"0000000" || (b.len() == 13 && &b[10..] == b"000") {
            return Err(IdError::InvalidComponent);
        }
        if mst_check_digit(&b[..9]) != Some(b[9] - b'0') {
            return Err(IdError::CheckDigit);
        }
        let mut digits = [0u8; 13];
        digits[..b.len()].copy_from_slice(b);
        Ok(Mst {
            digits,
            len: b.len(),
        })
    }

    /// The branch number of a dependent unit (001–999).
    pub fn branch(&self) -> Option<u16> {
        (self.len == 13).then(|| digits_value(&self.digits[10..13]) as u16)
    }
}

impl fmt::Display for Mst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = std::str::from_utf8(&self.digits[..self.len]).unwrap_or("");
        if self.len == 13 {
            write!(f, "{}-{}", &s[..10], &s[10..])
        } else {
            f.write_str(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_codes_are_sorted_unique_and_63() {
        assert!(PROVINCE_CODES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(PROVINCE_CODES.len(), 63);
    }

    #[test]
    fn cccd_decodes_and_explains() {
        let c = Cccd::parse("001 2 05 012345").expect("valid");
        assert_eq!(
            (
                c.province_code(),
                c.province_name(),
                c.sex(),
                c.birth_year()
            ),
            (1, "Hà Nội", Sex::Male, 2005)
        );
        let c = Cccd::parse("079185000123").expect("valid");
        assert_eq!(
            (c.province_name(), c.sex(), c.birth_year()),
            ("Hồ Chí Minh", Sex::Female, 1985)
        );
        assert_eq!(
            Cccd::parse("099185000123"),
            Err(IdError::UnknownProvince(99))
        );
        assert_eq!(
            Cccd::parse("003185000123"),
            Err(IdError::UnknownProvince(3))
        );
        assert_eq!(
            Cccd::parse("001785000123"),
            Err(IdError::ImpossibleCentury(7))
        );
        assert!(matches!(
            Cccd::parse("00118500012"),
            Err(IdError::WrongLength { found: 11, .. })
        ));
        assert_eq!(Cccd::parse("00118500012x"), Err(IdError::InvalidCharacters));
    }

    #[test]
    fn mst_check_digit_and_branch() {
        // 0100109106: Vietnam Posts and Telecommunications Group (published tax code).
        let m = Mst::parse("0100109106").expect("valid");
        assert_eq!(
            (m.to_string(), m.branch()),
            ("0100109106".to_string(), None)
        );
        let m = Mst::parse("0100109106-001").expect("valid");
        assert_eq!(
            (m.to_string(), m.branch()),
            ("0100109106-001".to_string(), Some(1))
        );
        assert_eq!(Mst::parse("0100109107"), Err(IdError::CheckDigit));
        assert_eq!(Mst::parse("0100109106-000"), Err(IdError::InvalidComponent));
        assert_eq!(Mst::parse("0100000000"), Err(IdError::InvalidComponent));
        assert!(Cmnd::parse("012345678").is_ok());
    }
}
