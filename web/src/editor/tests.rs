//! The editor's form read and written back.

use super::*;

#[test]
fn every_preset_round_trips() {
    for preset in Preset::ALL {
        let plan = preset.plan();
        assert_eq!(
            PlanForm::from_plan(&plan).to_plan().unwrap(),
            plan,
            "{preset:?}"
        );
    }
}

#[test]
fn fields_are_read_like_a_person_types_them() {
    let mut form = PlanForm::preset(Preset::Blog);
    let server = &mut form.entries[1];
    server.sans = " localhost \n\nIP:10.0.0.1\nemail:a@example.com\nURI:spiffe://x/y\n".into();
    server.subject[1] = "Acme".into();
    server.starts_in_days = "-30".into();
    server.days = "10".into();
    let plan = form.to_plan().unwrap();
    let server = plan.entry("server").unwrap();
    assert_eq!(server.sans.len(), 4);
    assert_eq!(server.subject.organization.as_deref(), Some("Acme"));
    assert_eq!(
        server.validity,
        Validity::Relative {
            days: 10,
            starts_in_days: -30
        }
    );
    form.entries[1].not_before = "2030-01-01T00:00:00Z".into();
    form.entries[1].not_after = "2031-01-01T00:00:00Z".into();
    assert!(matches!(
        form.to_plan().unwrap().entry("server").unwrap().validity,
        Validity::Fixed { .. }
    ));
}

#[test]
fn a_bad_field_names_its_entry_and_field() {
    let mut form = PlanForm::preset(Preset::Blog);
    form.entries[1].sans = "localhost\nnot_a_name!".into();
    let Err(Error::Plan { entry, field, .. }) = form.to_plan() else {
        panic!("a bad SAN is a plan error");
    };
    assert_eq!((entry.as_str(), field), ("server", PlanField::Sans));
    assert_eq!(form.entries[1].parse().unwrap_err().field, Field::Sans);

    let mut form = PlanForm::preset(Preset::Intermediate);
    form.entries[1].path_len = "many".into();
    let Err(Error::Plan { field, .. }) = form.to_plan() else {
        panic!("a bad path length is a plan error");
    };
    assert_eq!(field, PlanField::PathLen);
}

/// The cases: each error is about the box the person edited,
/// in the form's words, with what to type instead.
#[test]
fn errors_name_the_box_that_was_edited_and_the_fix() {
    let cases: [(Field, &str, Field, &str); 7] = [
        (Field::Days, "0", Field::Days, "from 1 to 36500"),
        (Field::Days, "-5", Field::Days, "Starts in (days)"),
        (Field::Days, "abc", Field::Days, "\"abc\" is not a number"),
        (
            Field::Starts,
            "soon",
            Field::Starts,
            "negative: in the past",
        ),
        (
            Field::Sans,
            "a.example, b.example",
            Field::Sans,
            "one name per line",
        ),
        (
            Field::NotBefore,
            "tomorrow",
            Field::NotBefore,
            "2030-01-01T00:00:00Z",
        ),
        (Field::PathLen, "-1", Field::PathLen, "from 0 to 255"),
    ];
    for (edited, text, at_fault, words) in cases {
        let mut entry = PlanForm::preset(Preset::Intermediate).entries.remove(1);
        edited.write(&mut entry, text.into());
        let error = entry.parse().unwrap_err();
        assert_eq!(error.field, at_fault, "{edited:?} = {text:?}: {error:?}");
        assert!(error.reason.contains(words), "{text:?}: {}", error.reason);
        assert!(
            !error.reason.contains("not_after") && !error.reason.contains("validity"),
            "{}",
            error.reason
        );
    }
    let mut entry = PlanForm::preset(Preset::Blog).entries.remove(1);
    entry.not_before = "2031-01-01T00:00:00Z".into();
    entry.not_after = "2030-01-01T00:00:00Z".into();
    let error = entry.parse().unwrap_err();
    assert_eq!(error.field, Field::NotAfter);
    assert!(
        error.reason.contains("later than \"Starts at\""),
        "{}",
        error.reason
    );

    // core's own check names the subject's attribute as the label does.
    let entry = PlanForm::preset(Preset::Blog).entries.remove(1);
    let reason = "country (C) \"de\" must be two capital letters (ISO 3166), e.g. DE";
    assert_eq!(
        Field::at_fault(PlanField::Subject, &entry, reason),
        Some(Field::C)
    );
    assert_eq!(
        Field::at_fault(
            PlanField::Subject,
            &entry,
            "the common name (CN) must not be empty"
        ),
        Some(Field::Cn)
    );
    assert_eq!(
        Field::at_fault(PlanField::Validity, &entry, "times must lie between"),
        Some(Field::Days)
    );
}

#[test]
fn every_field_reads_back_what_was_written() {
    let mut form = PlanForm::preset(Preset::Blog).entries.remove(0);
    for (at, field) in Field::ALL.into_iter().enumerate() {
        let text = if field == Field::Existing {
            "true".to_owned()
        } else {
            format!("text {at}")
        };
        field.write(&mut form, text.clone());
        assert_eq!(field.read(&form), text, "{field:?}");
        assert_eq!(Field::from_name(field.name()), Some(field));
    }
}

/// The markup names the same fields as the enum: every `data-field` of
/// `#entry-template` is a [`Field`], and every field is there once.
#[test]
fn the_entry_template_has_every_field() {
    const INDEX_HTML: &str = include_str!("../../../index.html");
    let start = INDEX_HTML.find("<template id=\"entry-template\">").unwrap();
    let end = start + INDEX_HTML[start..].find("</template>").unwrap();
    let names: Vec<&str> = INDEX_HTML[start..end]
        .split("data-field=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let fields: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(names, fields);
}

#[test]
fn clients_are_added_and_removed() {
    let mut form = PlanForm::preset(Preset::Intermediate);
    form.add_client();
    form.add_client();
    let plan = form.to_plan().unwrap();
    let names: Vec<&str> = plan.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ca",
            "intermediate",
            "server",
            "client",
            "client-2",
            "client-3"
        ]
    );
    assert_eq!(
        plan.entry("client-3").unwrap().issuer.as_deref(),
        Some("intermediate")
    );
    assert_eq!(form.issuers_for(3), ["ca", "intermediate"]);
    form.rename("intermediate", "int");
    form.remove(1);
    assert!(form.entries.iter().all(|e| e.issuer != "intermediate"));
    plan.check(OffsetDateTime::now_utc()).unwrap();
}
