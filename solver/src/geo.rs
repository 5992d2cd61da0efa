//! Great-circle distance (SPEC 5.2).

/// Mean Earth radius used by the contract, in km.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Haversine distance in km between two points given in degrees.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_to_wuhan_is_about_1050_km() {
        let d = haversine_km(39.90, 116.40, 30.59, 114.30);
        assert!((d - 1052.3).abs() < 1.0, "{d}");
    }

    #[test]
    fn same_point_is_zero_and_distance_is_symmetric() {
        assert_eq!(haversine_km(31.2, 121.5, 31.2, 121.5), 0.0);
        let (a, b) = (
            haversine_km(31.2, 121.5, 22.5, 114.1),
            haversine_km(22.5, 114.1, 31.2, 121.5),
        );
        assert!((a - b).abs() < 1e-9);
    }
}
