//! The slice's SQL, written once and expanded for each backend with that backend's prelude:
//! row decoders and the `HrStore` implementation.

macro_rules! hr_sql {
    ($Store:ty) => {
        use guichet_core::{OfficeId, OrgUnitId, PayrollId, PositionId, StaffId, TermId, UserId};
        use guichet_store::Audit;
        use sqlx::Row as _;
        use time::OffsetDateTime;

        use crate::store::{
            HrStore, OrgUnitRow, PayParamRow, PayrollRunRow, PayslipRow, PositionRow, StaffRow,
            StaffWrite, TermRow,
        };

        fn json_of(row: &DbRow, col: &str) -> Result<serde_json::Value> {
            let text: String = row.try_get(col).map_err(map_err)?;
            serde_json::from_str(&text).map_err(|e| StoreError::Database(format!("stored {col} is not JSON: {e}")))
        }

        fn org_unit_from_row(row: &DbRow) -> Result<OrgUnitRow> {
            Ok(OrgUnitRow {
                id: OrgUnitId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                code: row.try_get("code").map_err(map_err)?,
                name: row.try_get("name").map_err(map_err)?,
                parent_code: row.try_get("parent_code").map_err(map_err)?,
                admin_unit_code: row.try_get("admin_unit_code").map_err(map_err)?,
                valid_from: day_of(row, "valid_from")?,
                valid_to: opt_day(row, "valid_to")?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        fn position_from_row(row: &DbRow) -> Result<PositionRow> {
            Ok(PositionRow {
                id: PositionId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                code: row.try_get("code").map_err(map_err)?,
                title: row.try_get("title").map_err(map_err)?,
                category: row.try_get("category").map_err(map_err)?,
                unit_code: row.try_get("unit_code").map_err(map_err)?,
                planned_posts: row.try_get("planned_posts").map_err(map_err)?,
                competencies: row.try_get("competencies").map_err(map_err)?,
                training: row.try_get("training").map_err(map_err)?,
                position_pay: row.try_get("position_pay").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        fn staff_from_row(row: &DbRow) -> Result<StaffRow> {
            Ok(StaffRow {
                id: StaffId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                user_id: opt_id(row, "user_id")?.map(UserId),
                number: row.try_get("number").map_err(map_err)?,
                family_name: row.try_get("family_name").map_err(map_err)?,
                given_name: row.try_get("given_name").map_err(map_err)?,
                birth_date: day_of(row, "birth_date")?,
                gender: row.try_get("gender").map_err(map_err)?,
                id_kind: row.try_get("id_kind").map_err(map_err)?,
                id_number: row.try_get("id_number").map_err(map_err)?,
                email: row.try_get("email").map_err(map_err)?,
                phone: row.try_get("phone").map_err(map_err)?,
                education: row.try_get("education").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        fn term_from_row(row: &DbRow) -> Result<TermRow> {
            Ok(TermRow {
                id: TermId(row.try_get("id").map_err(map_err)?),
                staff_id: StaffId(row.try_get("staff_id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                kind: row.try_get("kind").map_err(map_err)?,
                valid_from: day_of(row, "valid_from")?,
                valid_to: opt_day(row, "valid_to")?,
                unit_code: row.try_get("unit_code").map_err(map_err)?,
                position_code: row.try_get("position_code").map_err(map_err)?,
                data: json_of(row, "data")?,
                note: row.try_get("note").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                created_by: opt_id(row, "created_by")?.map(UserId),
            })
        }

        fn pay_param_from_row(row: &DbRow) -> Result<PayParamRow> {
            Ok(PayParamRow {
                id: row.try_get("id").map_err(map_err)?,
                name: row.try_get("name").map_err(map_err)?,
                valid_from: day_of(row, "valid_from")?,
                value: row.try_get("value").map_err(map_err)?,
                source: row.try_get("source").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                created_by: opt_id(row, "created_by")?.map(UserId),
            })
        }

        fn payroll_from_row(row: &DbRow) -> Result<PayrollRunRow> {
            Ok(PayrollRunRow {
                id: PayrollId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                month: row.try_get("month").map_err(map_err)?,
                state: row.try_get("state").map_err(map_err)?,
                currency: row.try_get("currency").map_err(map_err)?,
                staff_count: row.try_get("staff_count").map_err(map_err)?,
                gross: row.try_get("gross").map_err(map_err)?,
                net: row.try_get("net").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                created_by: opt_id(row, "created_by")?.map(UserId),
                locked_at: row.try_get("locked_at").map_err(map_err)?,
                locked_by: opt_id(row, "locked_by")?.map(UserId),
                sources: row.try_get("sources").map_err(map_err)?,
            })
        }

        fn payslip_from_row(row: &DbRow) -> Result<PayslipRow> {
            Ok(PayslipRow {
                run_id: PayrollId(row.try_get("run_id").map_err(map_err)?),
                staff_id: StaffId(row.try_get("staff_id").map_err(map_err)?),
                gross: row.try_get("gross").map_err(map_err)?,
                net: row.try_get("net").map_err(map_err)?,
                breakdown: row.try_get("breakdown").map_err(map_err)?,
            })
        }

        async fn insert_term(conn: &mut Conn, t: &TermRow) -> Result<()> {
            sqlx::query(
                "INSERT INTO staff_terms (id, staff_id, office_id, kind, valid_from, valid_to, unit_code, position_code, data, note, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (id) DO UPDATE SET valid_from = $5, valid_to = $6, unit_code = $7, position_code = $8, data = $9, note = $10",
            )
            .bind(t.id.as_uuid())
            .bind(t.staff_id.as_uuid())
            .bind(t.office_id.as_uuid())
            .bind(&t.kind)
            .bind(iso_day(t.valid_from))
            .bind(t.valid_to.map(iso_day))
            .bind(&t.unit_code)
            .bind(&t.position_code)
            .bind(t.data.to_string())
            .bind(&t.note)
            .bind(t.created_at)
            .bind(t.created_by.map(|u| u.as_uuid()))
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        /// Refuses overlapping exclusive terms of the given people (checked after the writes,
        /// inside their transaction). Text dates compare in date order.
        async fn check_no_overlap(conn: &mut Conn, staff: &[StaffId]) -> Result<()> {
            for s in staff {
                let rows = sqlx::query(
                    "SELECT a.kind, a.valid_from AS a_from, b.valid_from AS b_from FROM staff_terms a JOIN staff_terms b \
                     ON a.staff_id = b.staff_id AND a.kind = b.kind AND a.id < b.id \
                     WHERE a.staff_id = $1 AND a.kind IN ('assignment', 'status', 'pay') \
                     AND (a.valid_to IS NULL OR b.valid_from < a.valid_to) \
                     AND (b.valid_to IS NULL OR a.valid_from < b.valid_to) LIMIT 1",
                )
                .bind(s.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_err)?;
                if let Some(r) = rows {
                    let kind: String = r.try_get("kind").map_err(map_err)?;
                    let a: String = r.try_get("a_from").map_err(map_err)?;
                    let b: String = r.try_get("b_from").map_err(map_err)?;
                    return Err(StoreError::Invalid(format!(
                        "the {kind} terms from {a} and from {b} overlap; end the earlier one first"
                    )));
                }
            }
            Ok(())
        }

        #[async_trait::async_trait]
        impl HrStore for $Store {
            async fn put_org_unit(&self, u: &OrgUnitRow, audit: &Audit) -> Result<()> {
                let (u, audit, entropy) = (u.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO org_units (id, office_id, code, name, parent_code, admin_unit_code, valid_from, valid_to, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (id) DO UPDATE SET name = $4, parent_code = $5, admin_unit_code = $6, valid_from = $7, valid_to = $8",
                    )
                    .bind(u.id.as_uuid())
                    .bind(u.office_id.as_uuid())
                    .bind(&u.code)
                    .bind(&u.name)
                    .bind(&u.parent_code)
                    .bind(&u.admin_unit_code)
                    .bind(iso_day(u.valid_from))
                    .bind(u.valid_to.map(iso_day))
                    .bind(u.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("unit {} from {}", u.code, u.valid_from)))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn org_units(&self, office: OfficeId) -> Result<Vec<OrgUnitRow>> {
                let rows = sqlx::query("SELECT * FROM org_units WHERE office_id = $1 ORDER BY code, valid_from")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(org_unit_from_row).collect()
            }

            async fn put_position(&self, p: &PositionRow, audit: &Audit) -> Result<()> {
                let (p, audit, entropy) = (p.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO job_positions (id, office_id, code, title, category, unit_code, planned_posts, competencies, training, position_pay, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                         ON CONFLICT (id) DO UPDATE SET title = $4, category = $5, unit_code = $6, planned_posts = $7, competencies = $8, training = $9, position_pay = $10",
                    )
                    .bind(p.id.as_uuid())
                    .bind(p.office_id.as_uuid())
                    .bind(&p.code)
                    .bind(&p.title)
                    .bind(&p.category)
                    .bind(&p.unit_code)
                    .bind(p.planned_posts)
                    .bind(&p.competencies)
                    .bind(&p.training)
                    .bind(p.position_pay)
                    .bind(p.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("job position {}", p.code)))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn positions(&self, office: OfficeId) -> Result<Vec<PositionRow>> {
                let rows = sqlx::query("SELECT * FROM job_positions WHERE office_id = $1 ORDER BY code")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(position_from_row).collect()
            }

            async fn add_staff(&self, writes: Vec<StaffWrite>, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let mut people = Vec::with_capacity(writes.len());
                    for w in &writes {
                        let s = &w.staff;
                        sqlx::query(
                            "INSERT INTO staff (id, office_id, user_id, number, family_name, given_name, birth_date, gender, id_kind, id_number, email, phone, education, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                        )
                        .bind(s.id.as_uuid())
                        .bind(s.office_id.as_uuid())
                        .bind(s.user_id.map(|u| u.as_uuid()))
                        .bind(&s.number)
                        .bind(&s.family_name)
                        .bind(&s.given_name)
                        .bind(iso_day(s.birth_date))
                        .bind(&s.gender)
                        .bind(&s.id_kind)
                        .bind(&s.id_number)
                        .bind(&s.email)
                        .bind(&s.phone)
                        .bind(&s.education)
                        .bind(s.created_at)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, &format!("staff number {}", s.number)))?;
                        for t in &w.terms {
                            insert_term(&mut *conn, t).await?;
                        }
                        people.push(s.id);
                    }
                    check_no_overlap(&mut *conn, &people).await?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn staff_list(&self, office: OfficeId) -> Result<Vec<StaffRow>> {
                let rows = sqlx::query("SELECT * FROM staff WHERE office_id = $1 ORDER BY family_name, given_name, number")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(staff_from_row).collect()
            }

            async fn staff_member(&self, id: guichet_core::StaffId) -> Result<Option<StaffRow>> {
                let row = sqlx::query("SELECT * FROM staff WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(staff_from_row).transpose()
            }

            async fn staff_of_user(&self, user: UserId) -> Result<Vec<StaffRow>> {
                let rows = sqlx::query("SELECT * FROM staff WHERE user_id = $1 ORDER BY id")
                    .bind(user.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(staff_from_row).collect()
            }

            async fn put_terms(&self, terms: Vec<TermRow>, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let mut people: Vec<StaffId> = Vec::new();
                    for t in &terms {
                        insert_term(&mut *conn, t).await?;
                        if !people.contains(&t.staff_id) {
                            people.push(t.staff_id);
                        }
                    }
                    check_no_overlap(&mut *conn, &people).await?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn staff_terms(&self, staff: guichet_core::StaffId) -> Result<Vec<TermRow>> {
                let rows = sqlx::query("SELECT * FROM staff_terms WHERE staff_id = $1 ORDER BY kind, valid_from, id")
                    .bind(staff.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(term_from_row).collect()
            }

            async fn terms_on(&self, office: OfficeId, kind: &str, day: time::Date) -> Result<Vec<TermRow>> {
                let day = iso_day(day);
                let rows = sqlx::query(
                    "SELECT * FROM staff_terms WHERE office_id = $1 AND kind = $2 AND valid_from <= $3 \
                     AND (valid_to IS NULL OR valid_to > $3) ORDER BY staff_id, valid_from",
                )
                .bind(office.as_uuid())
                .bind(kind)
                .bind(&day)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(term_from_row).collect()
            }

            async fn add_pay_parameter(&self, p: &PayParamRow, audit: &Audit) -> Result<()> {
                let (p, audit, entropy) = (p.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO pay_parameters (id, name, valid_from, value, source, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(p.id)
                    .bind(&p.name)
                    .bind(iso_day(p.valid_from))
                    .bind(p.value)
                    .bind(&p.source)
                    .bind(p.created_at)
                    .bind(p.created_by.map(|u| u.as_uuid()))
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("a value of {} from {}", p.name, p.valid_from)))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn pay_parameters(&self) -> Result<Vec<PayParamRow>> {
                let rows = sqlx::query("SELECT * FROM pay_parameters ORDER BY name, valid_from")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(pay_param_from_row).collect()
            }

            async fn save_payroll(&self, run: &PayrollRunRow, slips: Vec<PayslipRow>, audit: &Audit) -> Result<PayrollRunRow> {
                let (run, audit, entropy) = (run.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let existing = sqlx::query("SELECT id, state FROM payroll_runs WHERE office_id = $1 AND month = $2")
                        .bind(run.office_id.as_uuid())
                        .bind(&run.month)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    let mut run = run.clone();
                    if let Some(row) = existing {
                        let state: String = row.try_get("state").map_err(map_err)?;
                        if state != "computed" {
                            return Err(StoreError::Stale(format!("the payroll of {} (locked)", run.month)));
                        }
                        run.id = PayrollId(row.try_get("id").map_err(map_err)?);
                        sqlx::query("DELETE FROM payslips WHERE run_id = $1")
                            .bind(run.id.as_uuid())
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                        sqlx::query(
                            "UPDATE payroll_runs SET currency = $1, staff_count = $2, gross = $3, net = $4, created_at = $5, created_by = $6, sources = $8 WHERE id = $7",
                        )
                        .bind(&run.currency)
                        .bind(run.staff_count)
                        .bind(run.gross)
                        .bind(run.net)
                        .bind(run.created_at)
                        .bind(run.created_by.map(|u| u.as_uuid()))
                        .bind(run.id.as_uuid())
                        .bind(&run.sources)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    } else {
                        sqlx::query(
                            "INSERT INTO payroll_runs (id, office_id, month, state, currency, staff_count, gross, net, created_at, created_by, locked_at, locked_by, sources) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                        )
                        .bind(run.id.as_uuid())
                        .bind(run.office_id.as_uuid())
                        .bind(&run.month)
                        .bind(&run.state)
                        .bind(&run.currency)
                        .bind(run.staff_count)
                        .bind(run.gross)
                        .bind(run.net)
                        .bind(run.created_at)
                        .bind(run.created_by.map(|u| u.as_uuid()))
                        .bind(run.locked_at)
                        .bind(run.locked_by.map(|u| u.as_uuid()))
                        .bind(&run.sources)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, &format!("the payroll of {}", run.month)))?;
                    }
                    // Many rows per statement: a payroll of 100,000 people is 200 statements,
                    // not 100,000 round trips.
                    for chunk in slips.chunks(500) {
                        let values: Vec<String> = (0..chunk.len())
                            .map(|i| format!("(${}, ${}, ${}, ${}, ${})", 5 * i + 1, 5 * i + 2, 5 * i + 3, 5 * i + 4, 5 * i + 5))
                            .collect();
                        let sql = format!("INSERT INTO payslips (run_id, staff_id, gross, net, breakdown) VALUES {}", values.join(", "));
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for s in chunk {
                            q = q
                                .bind(run.id.as_uuid())
                                .bind(s.staff_id.as_uuid())
                                .bind(s.gross)
                                .bind(s.net)
                                .bind(&s.breakdown);
                        }
                        q.execute(&mut *conn).await.map_err(map_err)?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(run)
                })
            }

            async fn lock_payroll(&self, id: guichet_core::PayrollId, at: OffsetDateTime, by: Option<UserId>, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let changed = sqlx::query("UPDATE payroll_runs SET state = 'locked', locked_at = $1, locked_by = $2 WHERE id = $3 AND state = 'computed'")
                        .bind(at)
                        .bind(by.map(|u| u.as_uuid()))
                        .bind(id.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::Stale(format!("payroll run {id}")));
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn payroll_runs(&self, office: OfficeId) -> Result<Vec<PayrollRunRow>> {
                let rows = sqlx::query("SELECT * FROM payroll_runs WHERE office_id = $1 ORDER BY month DESC")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(payroll_from_row).collect()
            }

            async fn payroll_run(&self, id: guichet_core::PayrollId) -> Result<Option<PayrollRunRow>> {
                let row = sqlx::query("SELECT * FROM payroll_runs WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(payroll_from_row).transpose()
            }

            async fn payslips(&self, run: guichet_core::PayrollId) -> Result<Vec<PayslipRow>> {
                let rows = sqlx::query("SELECT * FROM payslips WHERE run_id = $1 ORDER BY staff_id")
                    .bind(run.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(payslip_from_row).collect()
            }

            async fn payslips_of(&self, staff: guichet_core::StaffId) -> Result<Vec<(PayrollRunRow, PayslipRow)>> {
                let slips = sqlx::query("SELECT * FROM payslips WHERE staff_id = $1")
                    .bind(staff.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let mut out = Vec::with_capacity(slips.len());
                for row in &slips {
                    let slip = payslip_from_row(row)?;
                    let run = sqlx::query("SELECT * FROM payroll_runs WHERE id = $1")
                        .bind(slip.run_id.as_uuid())
                        .fetch_one(self.reader())
                        .await
                        .map_err(map_err)?;
                    out.push((payroll_from_row(&run)?, slip));
                }
                out.sort_by(|a, b| b.0.month.cmp(&a.0.month));
                Ok(out)
            }
        }
    };
}

mod on_sqlite {
    use guichet_store_sql::sqlite::prelude::*;
    hr_sql!(guichet_store_sql::SqliteStore);
}

mod on_postgres {
    use guichet_store_sql::postgres::prelude::*;
    hr_sql!(guichet_store_sql::PostgresStore);
}
