//! Exact decimals read from JSON or text (a coefficient `4.32`, an amount `350.00`, a rate
//! `4.5`), so that no value ever passes through a float.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Result, invalid};

/// `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Decimal {
    pub mantissa: i64,
    pub scale: u32,
}

impl Decimal {
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    pub fn new(mantissa: i64, scale: u32) -> Decimal {
        Decimal { mantissa, scale }
    }

    pub fn parse(text: &str) -> Result<Decimal> {
        let t = text.trim();
        let bad = || invalid("decimal", &[&text]);
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 9
        {
            return Err(bad());
        }
        let digits = format!("{int}{frac}");
        let mantissa: i64 = digits.parse().map_err(|_| bad())?;
        let scale = u32::try_from(frac.len()).map_err(|_| bad())?;
        Ok(Decimal {
            mantissa: if neg { -mantissa } else { mantissa },
            scale,
        })
    }

    /// The value in units of `10^-scale`, refusing values that need more decimals.
    pub fn at_scale(self, scale: u32, what: &str) -> Result<i64> {
        if self.scale > scale {
            let drop = 10i64.pow(self.scale - scale);
            if self.mantissa % drop != 0 {
                return Err(invalid("decimals", &[&what, &self, &scale]));
            }
            return Ok(self.mantissa / drop);
        }
        self.mantissa
            .checked_mul(10i64.pow(scale - self.scale))
            .ok_or_else(|| invalid("too-large", &[&what, &self]))
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.mantissa);
        }
        let p = 10u64.pow(self.scale);
        let m = self.mantissa.unsigned_abs();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:0w$}", m / p, m % p, w = self.scale as usize)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        // A JSON number arrives as its shortest round-trip text, which for the few decimals
        // pay uses is exactly what was written.
        let v = serde_json::Value::deserialize(d)?;
        let text = match &v {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.clone(),
            _ => return Err(serde::de::Error::custom("expected a number")),
        };
        Decimal::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_refuses_junk() {
        assert_eq!(Decimal::parse("4.32").unwrap(), Decimal::new(432, 2));
        assert_eq!(Decimal::parse("-0.5").unwrap(), Decimal::new(-5, 1));
        assert_eq!(Decimal::parse("12").unwrap(), Decimal::new(12, 0));
        for bad in ["", ".", "1,5", "1e3", "abc", "1.2.3", "--1"] {
            assert!(Decimal::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Decimal::parse("4.3").unwrap().at_scale(2, "x").unwrap(),
            430
        );
        assert_eq!(
            Decimal::parse("4.300").unwrap().at_scale(2, "x").unwrap(),
            430
        );
        assert!(Decimal::parse("4.321").unwrap().at_scale(2, "x").is_err());
        assert_eq!(Decimal::new(-1205, 2).to_string(), "-12.05");
    }

    #[test]
    fn json_numbers_keep_their_decimals() {
        let v: Vec<Decimal> = serde_json::from_str(r#"[4.32, 0.1, "350.00", 2.34]"#).unwrap();
        assert_eq!(v[0].at_scale(2, "c").unwrap(), 432);
        assert_eq!(v[1].at_scale(2, "c").unwrap(), 10);
        assert_eq!(v[2].at_scale(2, "c").unwrap(), 35000);
        assert_eq!(v[3].at_scale(2, "c").unwrap(), 234);
    }
}
