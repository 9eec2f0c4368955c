"""Event registration: sign up and cancel, capacity under concurrency, and the check-in list."""
import threading
from datetime import timedelta

import pytest

from aga_consulta.errors import NotAllowed
from aga_consulta.events.models import Attendance, Event, Registration
from aga_consulta.events.services import (
    EventFull, RegistrationClosed, cancel_registration, check_in, create_event, register, registrant_count,
    registrants,
)
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from tests.helpers import JSON, assert_refused, audit_entries, count, login


def upcoming(capacity=3, registration_open=True, **changes):
    start = utcnow() + timedelta(days=5)
    values = dict(kind="workshop", theme="Mesa de contratación abierta", starts_at=start,
                  ends_at=start + timedelta(hours=3), place="Casa de la cultura, Pasto", capacity=capacity,
                  registration_open=registration_open)
    values.update(changes)
    return create_event(**values)


def test_a_citizen_registers_once_and_cancels(factory):
    event, citizen = upcoming(), factory.user()
    first = register(citizen, event)
    again = register(citizen, event)
    assert first.id == again.id and registrant_count(event.id) == 1
    assert cancel_registration(citizen, event) is True and registrant_count(event.id) == 0
    assert cancel_registration(citizen, event) is False


def test_registration_is_not_attendance(factory):
    event = upcoming()
    register(factory.user(), event)
    assert count(Attendance) == 0


def test_a_full_event_refuses_and_a_cancelled_seat_is_reused(factory):
    event = upcoming(capacity=2)
    people = [factory.user() for _ in range(3)]
    register(people[0], event)
    register(people[1], event)
    with pytest.raises(EventFull):
        register(people[2], event)
    assert registrant_count(event.id) == 2
    cancel_registration(people[0], event)
    assert register(people[2], event).seat == 1


@pytest.mark.parametrize("changes", [{"registration_open": False},
                                     {"starts_at": utcnow() - timedelta(hours=1), "ends_at": utcnow() + timedelta(hours=2)}])
def test_registration_closed_or_started_is_refused(factory, changes):
    event = upcoming(**changes)
    with pytest.raises(RegistrationClosed):
        register(factory.user(), event)
    assert count(Registration) == 0


def test_parallel_sign_ups_never_exceed_the_capacity(app, factory):
    from aga_consulta.accounts.models import User

    event_id = upcoming(capacity=3).id
    people = [factory.user().id for _ in range(10)]
    db.session.remove()
    barrier, outcomes, lock = threading.Barrier(len(people)), [], threading.Lock()

    def worker(user_id):
        with app.app_context():
            barrier.wait()
            try:
                register(db.session.get(User, user_id), db.session.get(Event, event_id))
                result = "ok"
            except Exception as error:  # noqa: BLE001  the outcome is what we assert
                result = type(error).__name__
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(user_id,)) for user_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("ok") == 3, outcomes
    assert set(outcomes) == {"ok", "EventFull"}, outcomes
    assert count(Registration) == 3


def test_staff_check_in_starts_from_the_registrants(factory, moderator):
    event, citizen, stranger = upcoming(), factory.user(department="52"), factory.user()
    register(citizen, event)
    assert [(user.id, checked) for user, checked in registrants(moderator, event)] == [(citizen.id, False)]
    attendance = check_in(moderator, event, citizen, sector="civil_society")
    assert attendance.department_code == "52" and attendance.user_id == citizen.id
    assert [checked for _user, checked in registrants(moderator, event)] == [True]
    with pytest.raises(NotAllowed):
        check_in(moderator, event, stranger, sector="academia")
    with pytest.raises(NotAllowed):
        registrants(citizen, event)
    assert count(Attendance) == 1 and len(audit_entries("event.attendance")) == 1


def test_the_event_page_registers_and_shows_the_count(client, factory):
    event = upcoming(capacity=1)
    page = f"/events/{event.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Inicia sesión para inscribirte" in html and "0 / 1" in html
    assert client.post(f"{page}/registration").status_code == 302  # login first
    citizen, other = factory.user(), factory.user()
    login(client, citizen.email)
    response = client.post(f"{page}/registration")
    assert response.status_code == 303 and registrant_count(event.id) == 1
    html = client.get(page).get_data(as_text=True)
    assert "Cancelar mi inscripción" in html and "1 / 1" in html
    assert client.post(f"{page}/registration").status_code == 303 and registrant_count(event.id) == 1
    client.post("/auth/logout")
    login(client, other.email)
    assert "El evento está lleno" in client.get(page).get_data(as_text=True)
    refused = client.post(f"{page}/registration")
    assert_refused(client, refused, page, "El evento está lleno")
    assert client.post(f"{page}/registration", headers=JSON).status_code == 409
    client.post("/auth/logout")
    login(client, citizen.email)
    client.post(f"{page}/registration", data={"action": "cancel"})
    assert registrant_count(event.id) == 0


def test_the_staff_page_lists_registrants_for_check_in(client, factory, moderator):
    event, citizen = upcoming(), factory.user(name="Rosa Quiñones")
    register(citizen, event)
    login(client, moderator.email)
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Rosa Quiñones" in html and "Lista de registro" in html
    response = client.post(f"/events/{event.id}/check-in/{citizen.id}", data={"sector": "academia"})
    assert response.status_code == 303 and count(Attendance) == 1
    bad = client.post(f"/events/{event.id}/check-in/{citizen.id}", data={"sector": "academia"}, headers=JSON)
    assert bad.status_code == 409 and count(Attendance) == 1
