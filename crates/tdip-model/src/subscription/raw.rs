//! A row as read from a delivery file, before validation.

use std::fmt;

use super::Column;

/// The cells of one row, borrowed from the decoder's buffer; one slot per [`Column`].
///
/// Empty and whitespace-only cells count as absent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RawRow<'a> {
    cells: [Option<&'a str>; Column::COUNT],
}

impl<'a> RawRow<'a> {
    /// A row with every cell absent.
    pub fn new() -> Self {
        RawRow {
            cells: [None; Column::COUNT],
        }
    }

    /// Sets the cell of `col`; an empty or whitespace-only value makes it absent.
    pub fn set(&mut self, col: Column, value: &'a str) {
        self.cells[col.index()] = if value.trim().is_empty() {
            None
        } else {
            Some(value)
        };
    }

    /// Makes the cell of `col` absent.
    pub fn clear(&mut self, col: Column) {
        self.cells[col.index()] = None;
    }

    /// The cell of `col`, if present.
    pub fn get(&self, col: Column) -> Option<&'a str> {
        self.cells[col.index()]
    }

    /// The present cells, in column order.
    pub fn iter(&self) -> impl Iterator<Item = (Column, &'a str)> + '_ {
        Column::ALL
            .iter()
            .zip(self.cells.iter())
            .filter_map(|(c, v)| v.map(|v| (*c, v)))
    }
}

impl Default for RawRow<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// Shows which columns are present, never their values.
impl fmt::Debug for RawRow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRow")
            .field(
                "present",
                &self.iter().map(|(c, _)| c.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_cells_are_absent_and_debug_redacts() {
        let mut row = RawRow::new();
        row.set(Column::Msisdn, "+31612345678");
        row.set(Column::Surname, "   ");
        assert_eq!(row.get(Column::Msisdn), Some("+31612345678"));
        assert_eq!(row.get(Column::Surname), None);
        let dbg = format!("{row:?}");
        assert_eq!(dbg, r#"RawRow { present: ["msisdn"] }"#);
        row.clear(Column::Msisdn);
        assert_eq!(row, RawRow::default());
    }
}
