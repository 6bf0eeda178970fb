//! The SQL of the administrative-unit datasets, written once and expanded for each backend with
//! that backend's prelude.

macro_rules! units_sql {
    ($Store:ty) => {
        use guichet_core::Country;
        use guichet_store::Audit;
        use sqlx::Row as _;

        use crate::store::{UnitDataset, UnitsStore};

        #[async_trait::async_trait]
        impl UnitsStore for $Store {
            async fn unit_datasets(&self) -> Result<Vec<UnitDataset>> {
                let rows = sqlx::query("SELECT country, version, source, loaded_at, units, links FROM admin_unit_datasets ORDER BY country")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let country: String = r.try_get("country").map_err(map_err)?;
                        Ok(UnitDataset {
                            country: Country::parse(&country)
                                .ok_or_else(|| StoreError::Database(format!("unknown country {country:?}")))?,
                            version: r.try_get("version").map_err(map_err)?,
                            source: r.try_get("source").map_err(map_err)?,
                            loaded_at: r.try_get("loaded_at").map_err(map_err)?,
                            units: r.try_get("units").map_err(map_err)?,
                            links: r.try_get("links").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn replace_units(
                &self,
                dataset: &UnitDataset,
                units: Vec<guichet_units::UnitRow>,
                links: Vec<guichet_units::LinkRow>,
                audit: &Audit,
            ) -> Result<()> {
                let (dataset, audit, entropy) = (dataset.clone(), audit.clone(), self.entropy());
                let prefix = format!("{}-%", dataset.country.code().to_ascii_uppercase());
                write_tx!(self, conn, {
                    sqlx::query("DELETE FROM admin_unit_links WHERE from_id LIKE $1")
                        .bind(&prefix)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    sqlx::query("DELETE FROM admin_units WHERE country = $1")
                        .bind(dataset.country.code())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    // Multi-row inserts: 400 rows × 11 values stays under every parameter limit.
                    for chunk in units.chunks(400) {
                        let mut q = sqlx::QueryBuilder::<Db>::new(
                            "INSERT INTO admin_units (id, unit_ref, country, level, kind, name, parent_ref, \
                             valid_from, valid_to, start_ref, end_ref) ",
                        );
                        q.push_values(chunk, |mut b, u| {
                            let from = iso_day(u.valid_from);
                            b.push_bind(format!("{}@{from}", u.unit_ref))
                                .push_bind(u.unit_ref.clone())
                                .push_bind(dataset.country.code())
                                .push_bind(u.level.clone())
                                .push_bind(u.kind.clone())
                                .push_bind(u.name.clone())
                                .push_bind(u.parent_ref.clone())
                                .push_bind(from)
                                .push_bind(u.valid_to.map(iso_day))
                                .push_bind(u.start_ref.clone())
                                .push_bind(u.end_ref.clone());
                        });
                        q.build().execute(&mut *conn).await.map_err(map_err)?;
                    }
                    for chunk in links.chunks(400) {
                        let mut q = sqlx::QueryBuilder::<Db>::new(
                            "INSERT INTO admin_unit_links (from_id, to_id, kind, effective, partial, legal_ref) ",
                        );
                        q.push_values(chunk, |mut b, l| {
                            b.push_bind(l.from_id.clone())
                                .push_bind(l.to_id.clone())
                                .push_bind(l.kind.clone())
                                .push_bind(iso_day(l.effective))
                                .push_bind(l.partial)
                                .push_bind(l.legal_ref.clone());
                        });
                        q.build().execute(&mut *conn).await.map_err(map_err)?;
                    }
                    sqlx::query(
                        "INSERT INTO admin_unit_datasets (country, version, source, loaded_at, units, links) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (country) DO UPDATE SET \
                         version = excluded.version, source = excluded.source, loaded_at = excluded.loaded_at, \
                         units = excluded.units, links = excluded.links",
                    )
                    .bind(dataset.country.code())
                    .bind(&dataset.version)
                    .bind(&dataset.source)
                    .bind(dataset.loaded_at)
                    .bind(units.len() as i64)
                    .bind(links.len() as i64)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn load_units(&self) -> Result<(Vec<guichet_units::UnitRow>, Vec<guichet_units::LinkRow>)> {
                let rows = sqlx::query(
                    "SELECT unit_ref, level, kind, name, parent_ref, valid_from, valid_to, start_ref, end_ref \
                     FROM admin_units ORDER BY id",
                )
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let units = rows
                    .iter()
                    .map(|r| {
                        let from: String = r.try_get("valid_from").map_err(map_err)?;
                        let to: Option<String> = r.try_get("valid_to").map_err(map_err)?;
                        Ok(guichet_units::UnitRow {
                            unit_ref: r.try_get("unit_ref").map_err(map_err)?,
                            level: r.try_get("level").map_err(map_err)?,
                            kind: r.try_get("kind").map_err(map_err)?,
                            name: r.try_get("name").map_err(map_err)?,
                            parent_ref: r.try_get("parent_ref").map_err(map_err)?,
                            valid_from: parse_day(&from)?,
                            valid_to: to.as_deref().map(parse_day).transpose()?,
                            start_ref: r.try_get("start_ref").map_err(map_err)?,
                            end_ref: r.try_get("end_ref").map_err(map_err)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let rows = sqlx::query(
                    "SELECT from_id, to_id, kind, effective, partial, legal_ref FROM admin_unit_links ORDER BY from_id, to_id",
                )
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let links = rows
                    .iter()
                    .map(|r| {
                        let effective: String = r.try_get("effective").map_err(map_err)?;
                        Ok(guichet_units::LinkRow {
                            from_id: r.try_get("from_id").map_err(map_err)?,
                            to_id: r.try_get("to_id").map_err(map_err)?,
                            kind: r.try_get("kind").map_err(map_err)?,
                            effective: parse_day(&effective)?,
                            partial: r.try_get("partial").map_err(map_err)?,
                            legal_ref: r.try_get("legal_ref").map_err(map_err)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok((units, links))
            }
        }
    };
}

mod on_sqlite {
    use guichet_store_sql::sqlite::prelude::*;
    units_sql!(guichet_store_sql::SqliteStore);
}

mod on_postgres {
    use guichet_store_sql::postgres::prelude::*;
    units_sql!(guichet_store_sql::PostgresStore);
}
