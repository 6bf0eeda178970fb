//! The civil-service tables in the SQL both backends share: row decoders, expanded inside
//! `sql_store!` (the `Store` methods are in `shared.rs`).

macro_rules! hr_helpers {
    ($Db:ty) => {
        use guichet_core::{OrgUnitId, PayrollId, PositionId, StaffId, TermId};
        use guichet_store::{
            OrgUnitRow, PayParamRow, PayrollRunRow, PayslipRow, PositionRow, StaffRow, TermRow,
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
            .bind($crate::shared::iso_day(t.valid_from))
            .bind(t.valid_to.map($crate::shared::iso_day))
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
    };
}
pub(crate) use hr_helpers;
