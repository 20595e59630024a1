"""Cross-nation correlation of observable values, alerts, warninglists and sightings."""
