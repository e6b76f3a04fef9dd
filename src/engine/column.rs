//! A column of the store: either owned (built from text) or a slice of a memory-mapped cache
//! file (reopened in milliseconds, paged in by the OS as it is read). Either way the engine sees
//! a plain `&[T]`.

use std::ops::Deref;
use std::sync::Arc;

use memmap2::Mmap;

pub enum Column<T: 'static> {
    Owned(Vec<T>),
    Mapped {
        /// Keeps the mapping alive as long as the slice is used.
        _map: Arc<Mmap>,
        ptr: *const T,
        len: usize,
    },
}

// SAFETY: a mapped column is an immutable view of a read-only private mapping kept alive by the
// Arc; sharing or sending it is as safe as sharing a `&[T]`.
unsafe impl<T: Sync> Send for Column<T> {}
unsafe impl<T: Sync> Sync for Column<T> {}

impl<T: bytemuck::Pod> Column<T> {
    /// A view of `len` values at byte `offset` of `map`; `None` if out of bounds or misaligned.
    pub fn mapped(map: &Arc<Mmap>, offset: usize, len: usize) -> Option<Column<T>> {
        let bytes = len.checked_mul(std::mem::size_of::<T>())?;
        let slice = map.get(offset..offset.checked_add(bytes)?)?;
        let typed: &[T] = bytemuck::try_cast_slice(slice).ok()?;
        Some(Column::Mapped {
            _map: Arc::clone(map),
            ptr: typed.as_ptr(),
            len,
        })
    }
}

impl<T: Clone> Clone for Column<T> {
    /// A mapped column's clone is another view of the same mapping (no copy).
    fn clone(&self) -> Self {
        match self {
            Column::Owned(v) => Column::Owned(v.clone()),
            Column::Mapped { _map, ptr, len } => Column::Mapped {
                _map: Arc::clone(_map),
                ptr: *ptr,
                len: *len,
            },
        }
    }
}

impl<T> Default for Column<T> {
    fn default() -> Self {
        Column::Owned(Vec::new())
    }
}

impl<T> Deref for Column<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Column::Owned(v) => v,
            // SAFETY: `ptr`/`len` were checked against the mapping in `mapped`, which `_map`
            // keeps alive and which is never written to.
            Column::Mapped { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }
}

impl<T> From<Vec<T>> for Column<T> {
    fn from(v: Vec<T>) -> Self {
        Column::Owned(v)
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if matches!(self, Column::Owned(_)) {
            "owned"
        } else {
            "mapped"
        };
        write!(f, "Column({kind}, {} values)", self.len())
    }
}

impl<'a, T> IntoIterator for &'a Column<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
