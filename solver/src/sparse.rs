//! Compressed sparse lists: the model's rows and columns, and the covers
//! each assignment is linked to, in flat arrays rather than a vector per
//! list (a national model has millions of short lists).

/// A list of lists of `(index, value)` entries, stored flat.
#[derive(Debug, Clone)]
pub struct Sparse {
    start: Vec<usize>,
    index: Vec<u32>,
    value: Vec<f64>,
}

impl Sparse {
    pub fn new() -> Self {
        Self {
            start: vec![0],
            index: Vec::new(),
            value: Vec::new(),
        }
    }

    /// Appends a list and returns its number.
    pub fn push(&mut self, entries: impl IntoIterator<Item = (usize, f64)>) -> usize {
        for (index, value) in entries {
            self.index.push(index as u32);
            self.value.push(value);
        }
        self.start.push(self.index.len());
        self.len() - 1
    }

    /// Number of lists.
    pub fn len(&self) -> usize {
        self.start.len() - 1
    }

    /// Number of entries in all lists.
    pub fn entries(&self) -> usize {
        self.index.len()
    }

    /// The entries of list `k`.
    pub fn list(&self, k: usize) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        let range = self.start[k]..self.start[k + 1];
        self.index[range.clone()]
            .iter()
            .zip(&self.value[range])
            .map(|(&i, &v)| (i as usize, v))
    }

    /// The lists by entry index: entry `(i, v)` of list `k` becomes entry
    /// `(k, v)` of list `i`, for `lists` lists in all.
    pub fn transpose(&self, lists: usize) -> Self {
        let mut start = vec![0usize; lists + 1];
        for &i in &self.index {
            start[i as usize + 1] += 1;
        }
        for k in 0..lists {
            start[k + 1] += start[k];
        }
        let mut next = start.clone();
        let mut index = vec![0u32; self.index.len()];
        let mut value = vec![0.0; self.index.len()];
        for k in 0..self.len() {
            for (i, v) in self.list(k) {
                index[next[i]] = k as u32;
                value[next[i]] = v;
                next[i] += 1;
            }
        }
        Self {
            start,
            index,
            value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_swaps_lists_and_indices() {
        let mut rows = Sparse::new();
        rows.push([(0, 1.0), (2, 2.0)]);
        rows.push([]);
        rows.push([(2, 3.0)]);
        let columns = rows.transpose(4);
        assert_eq!(columns.len(), 4);
        assert_eq!(columns.list(0).collect::<Vec<_>>(), vec![(0, 1.0)]);
        assert_eq!(columns.list(1).count(), 0);
        assert_eq!(
            columns.list(2).collect::<Vec<_>>(),
            vec![(0, 2.0), (2, 3.0)]
        );
        assert_eq!(columns.list(3).count(), 0);
        assert_eq!(columns.entries(), 3);
    }
}
