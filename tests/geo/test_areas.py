from __future__ import annotations

import pytest

from demandhub.geo.areas import AreaError, AreaMap, parse_areas
from tests.dispatch.network import at, west_bank_urban


def test_points_inside_an_urban_area_are_urban_and_the_rest_rural():
    areas = AreaMap(parse_areas(west_bank_urban()))
    assert areas.classify(*at(4, 1)) == "urban"
    assert areas.classify(*at(2, 4)) == "rural"


def test_without_urban_areas_every_point_takes_the_stricter_urban_target():
    assert AreaMap([]).classify(*at(2, 4)) == "urban"


@pytest.mark.parametrize("document, problem", [
    ({"type": "Feature"}, "FeatureCollection"),
    ({"type": "FeatureCollection", "features": []}, "no features"),
    ({"type": "FeatureCollection", "features": [{"properties": {"kind": "suburb", "name": "x"}}]}, "kind"),
    ({"type": "FeatureCollection", "features": [{"properties": {"kind": "urban"}}]}, "name"),
    ({"type": "FeatureCollection", "features": [{"properties": {"kind": "urban", "name": "x"},
                                                 "geometry": {"type": "Point", "coordinates": [0, 0]}}]}, "Polygon"),
    ({"type": "FeatureCollection", "features": [{"properties": {"kind": "urban", "name": "x"}, "geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}]}, "crosses itself"),
    ({"type": "FeatureCollection", "features": [{"properties": {"kind": "urban", "name": "x"}, "geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [500, 0], [500, 1], [0, 0]]]}}]}, "longitude, latitude"),
])
def test_bad_area_files_are_refused_naming_the_feature_and_the_problem(document, problem):
    with pytest.raises(AreaError, match=problem):
        parse_areas(document)
