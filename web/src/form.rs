//! The blog form's fields as text, and the way to and from a [`Plan`] of
//! the blog's shape (CA, server, client).
//!
//! Pure Rust, no DOM: the page reads the inputs into [`FormValues`], and
//! [`FormValues::from_plan`] fills them with the blog's defaults.

use certplay_core::{split_names, Error, KeyType, Plan, San, Subject, Validity, MAX_VALIDITY_DAYS};

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
    /// The form as it shows a plan of the blog's shape (the page starts
    /// from `Plan::default()`).
    pub fn from_plan(plan: &Plan) -> Self {
        let cn = |name: &str| {
            plan.entry(name)
                .map(|e| e.subject.common_name.clone())
                .unwrap_or_default()
        };
        let server_names = plan
            .entry("server")
            .map(|e| {
                e.sans
                    .iter()
                    .map(|san| san.host().unwrap_or_else(|| san.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let days = match plan.entries.first().map(|e| e.validity) {
            Some(Validity::Relative { days, .. }) => days.to_string(),
            _ => "365".into(),
        };
        Self {
            ca_common_name: cn("ca"),
            server_common_name: cn("server"),
            server_names,
            client_common_name: cn("client"),
            key_type: plan.key_type.name().to_owned(),
            validity_days: days,
        }
    }

    /// Reads the fields. Only what cannot even be represented is an error
    /// here (a key type that does not exist, days that are not a number);
    /// everything else is checked by [`Plan::check`].
    pub fn to_plan(&self) -> Result<Plan, Error> {
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
        let server_names = split_names(&self.server_names)
            .iter()
            .map(|name| name.parse::<San>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| match e {
                Error::InvalidInput { reason, .. } => Error::InvalidInput {
                    field: "server names".into(),
                    reason,
                },
                other => other,
            })?;
        let mut plan = Plan {
            key_type: self.key_type.parse::<KeyType>()?,
            ..Plan::default()
        };
        plan.set_days(validity_days);
        plan.set_server_sans(&server_names);
        for (name, cn) in [
            ("ca", &self.ca_common_name),
            ("server", &self.server_common_name),
            ("client", &self.client_common_name),
        ] {
            if let Some(entry) = plan.entries.iter_mut().find(|e| e.name == name) {
                entry.subject = Subject::cn(cn.clone());
            }
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip() {
        let defaults = Plan::default();
        let form = FormValues::from_plan(&defaults);
        assert_eq!(form.server_names, "localhost, 127.0.0.1, ::1");
        assert_eq!(form.key_type, "p256");
        assert_eq!(form.validity_days, "365");
        assert_eq!(form.to_plan().unwrap(), defaults);
    }

    #[test]
    fn names_are_split_like_a_person_types_them() {
        let form = FormValues {
            server_names: "localhost\n127.0.0.1  ::1,".into(),
            ..FormValues::from_plan(&Plan::default())
        };
        assert_eq!(
            form.to_plan().unwrap().entry("server").unwrap().sans,
            Plan::default().entry("server").unwrap().sans
        );
    }

    #[test]
    fn unreadable_fields_are_named() {
        let defaults = FormValues::from_plan(&Plan::default());
        for days in ["", "ten", "-1", "1.5", "99999999999"] {
            let form = FormValues {
                validity_days: days.into(),
                ..defaults.clone()
            };
            let err = form.to_plan().unwrap_err().to_string();
            assert!(err.starts_with("validity days: "), "{err}");
        }
        let form = FormValues {
            key_type: "dsa".into(),
            ..defaults
        };
        assert!(form
            .to_plan()
            .unwrap_err()
            .to_string()
            .starts_with("key type: "));
    }
}
