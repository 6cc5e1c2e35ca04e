//! The form's fields as text, and the way to and from [`PkiParams`].
//!
//! Pure Rust, no DOM: the page reads the inputs into [`FormValues`], and
//! [`FormValues::from_params`] fills them with the blog's defaults.

use certplay_core::{split_names, Error, KeyType, PkiParams, MAX_VALIDITY_DAYS};

/// The text of each form field, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormValues {
    /// `#ca-cn`: the CA's common name.
    pub ca_common_name: String,
    /// `#server-cn`: the server certificate's common name.
    pub server_common_name: String,
    /// `#server-names`: the server's subjectAltName entries, separated by
    /// commas, spaces or new lines.
    pub server_names: String,
    /// `#client-cn`: the client certificate's common name.
    pub client_common_name: String,
    /// `#key-type`: a [`KeyType::name`] (`p256`, `rsa2048`).
    pub key_type: String,
    /// `#validity-days`: whole days.
    pub validity_days: String,
}

impl FormValues {
    /// The form as it shows `params` (the page starts from
    /// `PkiParams::default()`).
    pub fn from_params(params: &PkiParams) -> Self {
        Self {
            ca_common_name: params.ca_common_name.clone(),
            server_common_name: params.server_common_name.clone(),
            server_names: params.server_alt_names.join(", "),
            client_common_name: params.client_common_name.clone(),
            key_type: params.key_type.name().to_owned(),
            validity_days: params.validity_days.to_string(),
        }
    }

    /// Reads the fields. Only what cannot even be represented is an error
    /// here (a key type that does not exist, days that are not a number);
    /// everything else is checked by [`PkiParams::check`].
    pub fn to_params(&self) -> Result<PkiParams, Error> {
        let validity_days =
            self.validity_days
                .trim()
                .parse::<u32>()
                .map_err(|_| Error::InvalidInput {
                    field: "validity days".into(),
                    reason: format!(
                        "{:?} is not a whole number of days (1 to {MAX_VALIDITY_DAYS})",
                        self.validity_days.trim()
                    ),
                })?;
        Ok(PkiParams {
            ca_common_name: self.ca_common_name.clone(),
            server_common_name: self.server_common_name.clone(),
            server_alt_names: split_names(&self.server_names),
            client_common_name: self.client_common_name.clone(),
            key_type: self.key_type.parse::<KeyType>()?,
            validity_days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip() {
        let defaults = PkiParams::default();
        let form = FormValues::from_params(&defaults);
        assert_eq!(form.server_names, "localhost, 127.0.0.1, ::1");
        assert_eq!(form.key_type, "p256");
        assert_eq!(form.validity_days, "365");
        assert_eq!(form.to_params().unwrap(), defaults);
    }

    #[test]
    fn names_are_split_like_a_person_types_them() {
        let form = FormValues {
            server_names: "localhost\n127.0.0.1  ::1,".into(),
            ..FormValues::from_params(&PkiParams::default())
        };
        assert_eq!(
            form.to_params().unwrap().server_alt_names,
            ["localhost", "127.0.0.1", "::1"]
        );
    }

    #[test]
    fn unreadable_fields_are_named() {
        let defaults = FormValues::from_params(&PkiParams::default());
        for days in ["", "ten", "-1", "1.5", "99999999999"] {
            let form = FormValues {
                validity_days: days.into(),
                ..defaults.clone()
            };
            let err = form.to_params().unwrap_err().to_string();
            assert!(err.starts_with("validity days: "), "{err}");
        }
        let form = FormValues {
            key_type: "dsa".into(),
            ..defaults
        };
        assert!(form
            .to_params()
            .unwrap_err()
            .to_string()
            .starts_with("key type: "));
    }
}
