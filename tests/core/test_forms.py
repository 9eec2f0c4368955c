"""Forms that respect people: errors beside their field, focus on the first, what was typed kept, counters."""
import re

from aga_consulta.accounts.models import User
from tests.helpers import PASSWORD, count, login

FORM = {"name": "Ana Pérez", "email": "ana@example.co", "password": PASSWORD, "password_confirm": PASSWORD,
        "department": "76", "accept_terms": "y"}


def tag(html, field_id):
    """The opening tag of the element with id `field_id`."""
    match = re.search(rf'<(?:input|textarea|select)[^>]*\sid="{field_id}"[^>]*>', html)
    assert match, field_id
    return match.group(0)


def test_errors_sit_beside_their_field_and_focus_goes_to_the_first(client):
    response = client.post("/auth/register", data=dict(FORM, email="no-es-correo", password_confirm="otra cosa distinta"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    email, confirm = tag(html, "email"), tag(html, "password_confirm")
    for field_id, element in (("email", email), ("password_confirm", confirm)):
        assert 'aria-invalid="true"' in element
        assert f"{field_id}-error" in re.search(r'aria-describedby="([^"]*)"', element).group(1)
        assert f'<p class="error" id="{field_id}-error">' in html
    # The error comes right after the label, before the field: read before typing again.
    assert html.index('id="email-error"') < html.index(email)
    # Exactly one autofocus, on the first field in error.
    assert html.count("autofocus") == 1 and "autofocus" in email
    # Fields without errors are not marked.
    assert "aria-invalid" not in tag(html, "name")
    assert count(User) == 0


def test_the_page_keeps_what_was_typed(client):
    html = client.post("/auth/register", data=dict(FORM, email="no-es-correo")).get_data(as_text=True)
    assert 'value="Ana Pérez"' in tag(html, "name")
    assert 'value="no-es-correo"' in tag(html, "email")
    assert re.search(r'<option[^>]*selected[^>]*value="76"|<option[^>]*value="76"[^>]*selected', html)
    # Never a password back into the page.
    assert PASSWORD not in html


def test_a_valid_form_has_no_autofocus_or_error_markup(client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert "autofocus" not in html and "aria-invalid" not in html and 'class="error"' not in html


def test_a_text_area_with_a_limit_has_a_counter_that_works_without_javascript(client, factory):
    proposal = factory.proposal(factory.consultation())
    factory.user(email="ana@example.co")
    login(client, "ana@example.co")
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    area = tag(html, "body")
    limit = re.search(r'maxlength="(\d+)"', area).group(1)
    assert 'data-counter="body-count"' in area and "body-count" in re.search(r'aria-describedby="([^"]*)"', area).group(1)
    # The hint states the limit as text; the script (a file, loaded once) makes it count.
    assert re.search(rf'<p class="hint counter" id="body-count"[^>]*data-max="{limit}"[^>]*>Hasta [\d.]+ caracteres\.</p>', html)
    assert html.count('src="/static/js/counter.js"') == 1


def test_the_counter_script_is_served(client):
    response = client.get("/static/js/counter.js")
    assert response.status_code == 200 and b"data-counter" in response.data
