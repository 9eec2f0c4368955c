"""Times as people in Colombia read them: day, month in words, year, clock to the minute, zone stated."""
from datetime import datetime

import pytest

from aga_consulta import create_app
from aga_consulta.extensions import db
from aga_consulta.i18n import local_time, utc_offset

# 15:00 UTC is 10:00 in Bogotá (UTC−5 all year: Colombia has no daylight saving time).
AT = datetime(2020, 10, 13, 15, 0, 42)


def test_spanish(app):
    with app.test_request_context("/"):
        assert local_time(AT) == "13 oct 2020, 10:00\u202fa.\u202fm. (hora de Colombia, UTC\u22125)"


def test_english(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert local_time(AT) == "Oct 13, 2020, 10:00\u202fAM (Colombia Time, UTC\u22125)"


def test_never_the_seconds_and_the_zone_can_be_left_out(app):
    with app.test_request_context("/"):
        text = local_time(AT, zone=False)
    assert text == "13 oct 2020, 10:00\u202fa.\u202fm."
    assert "42" not in text


def test_the_day_is_the_local_day(app):
    # 02:30 UTC on the 14th is still the evening of the 13th in Colombia.
    with app.test_request_context("/"):
        assert local_time(datetime(2020, 10, 14, 2, 30)).startswith("13 oct 2020, 9:30\u202fp.\u202fm.")


def test_the_configured_zone_is_the_one_shown(app):
    elsewhere = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                                 "BABEL_DEFAULT_TIMEZONE": "Asia/Kolkata"})
    with elsewhere.test_request_context("/", headers={"Accept-Language": "en"}):
        assert local_time(AT) == "Oct 13, 2020, 8:30\u202fPM (India Time, UTC+5:30)"


@pytest.mark.parametrize("zone, expected", [("UTC", "UTC"), ("America/Bogota", "UTC\u22125"),
                                            ("Asia/Kolkata", "UTC+5:30"), ("America/St_Johns", "UTC\u22122:30")])
def test_utc_offset(zone, expected):
    from zoneinfo import ZoneInfo

    # 1 August: St John's is on daylight time (UTC−2:30).
    assert utc_offset(datetime(2020, 8, 1, 12, 0, tzinfo=ZoneInfo(zone))) == expected


def test_templates_use_the_filter(app):
    with app.test_request_context("/"):
        rendered = app.jinja_env.from_string("{{ at|local_time }} · {{ at|local_time(zone=False) }}").render(at=AT)
    assert rendered == ("13 oct 2020, 10:00\u202fa.\u202fm. (hora de Colombia, UTC\u22125) · "
                        "13 oct 2020, 10:00\u202fa.\u202fm.")


def test_a_page_shows_times_this_way(client, factory):
    consultation = factory.consultation(slug="con-fecha")
    consultation.closes_at = datetime(2030, 3, 2, 22, 5)
    db.session.commit()
    page = client.get(f"/consultations/{consultation.slug}").get_data(as_text=True)
    assert "2 mar 2030, 5:05\u202fp.\u202fm. (hora de Colombia, UTC\u22125)" in page


def _dated_consultations(factory):
    """An open consultation closing 2 Mar 2030 at 17:05 in Bogotá, and an upcoming one opening 1 Feb 2031."""
    current = factory.consultation(slug="abierta-con-fecha")
    current.closes_at = datetime(2030, 3, 2, 22, 5)
    later = factory.consultation(slug="futura-con-fecha", state="upcoming")
    later.opens_at, later.closes_at = datetime(2031, 2, 1, 14, 30), datetime(2031, 3, 1, 14, 30)
    db.session.commit()
    return current


def test_the_home_page_shows_times_to_the_minute_with_the_zone_in_both_languages(client, factory):
    _dated_consultations(factory)
    spanish = client.get("/").get_data(as_text=True)
    assert "Abierta hasta el 2 mar 2030, 5:05\u202fp.\u202fm. (hora de Colombia, UTC\u22125)" in spanish
    assert "Abre el 1 feb 2031, 9:30\u202fa.\u202fm. (hora de Colombia, UTC\u22125)" in spanish
    client.post("/language", data={"lang": "en"})
    english = client.get("/").get_data(as_text=True)
    assert "Mar 2, 2030, 5:05\u202fPM (Colombia Time, UTC\u22125)" in english
    assert "Feb 1, 2031, 9:30\u202fAM (Colombia Time, UTC\u22125)" in english
    assert "hora de Colombia" not in english


def test_the_list_page_shows_times_to_the_minute_with_the_zone_in_both_languages(client, factory):
    current = _dated_consultations(factory)
    client.post("/language", data={"lang": "en"})
    english = client.get(f"/consultations/{current.slug}").get_data(as_text=True)
    assert "Mar 2, 2030, 5:05\u202fPM (Colombia Time, UTC\u22125)" in english


def test_the_home_page_timeline_shows_local_days(client, factory):
    from aga_consulta.processes.services import create_process

    create_process(slug="plan-fechas", title="Plan con fechas", steps=[
        # 03:00 UTC on 2 March is still 1 March in Bogotá.
        {"kind": "thematic_survey", "opens_at": datetime(2030, 3, 2, 3, 0), "closes_at": datetime(2030, 4, 10, 12, 0)}])
    spanish = client.get("/").get_data(as_text=True)
    assert "1 mar 2030 – 10 abr 2030" in spanish
    client.post("/language", data={"lang": "en"})
    assert "Mar 1, 2030 – Apr 10, 2030" in client.get("/").get_data(as_text=True)


def test_no_template_formats_a_date_by_itself():
    """Every date a page shows goes through local_time or local_day (isoformat only feeds inputs and attributes)."""
    import pathlib
    import re

    raw = re.compile(r"format_date\(|format_datetime\(|format_minute\(|strftime|\.date\(\)|"
                     r">\{\{ [\w.]+\.isoformat\(\)")
    offenders = [f"{path}:{n}" for path in pathlib.Path("templates").rglob("*.html")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if raw.search(line)]
    assert offenders == []
