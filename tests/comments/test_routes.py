"""Comments through HTTP."""
from aga_consulta.comments.models import Comment, CommentReport
from tests.helpers import JSON, assert_refused, count, login


def test_comment_reply_report_through_forms(client, factory):
    author = factory.user(email="ana@example.co")
    factory.user(email="beto@example.co")
    proposal = factory.proposal(factory.consultation())
    login(client, "ana@example.co")
    response = client.post(f"/proposals/{proposal.id}/comments", data={"body": "Apoyo esta idea"})
    assert response.status_code == 303
    top = Comment.query.one()
    client.post("/auth/logout")
    login(client, "beto@example.co")
    page = client.get(f"/proposals/{proposal.id}?reply_to={top.id}").get_data(as_text=True)
    assert f'name="parent_id" value="{top.id}"' in page
    client.post(f"/proposals/{proposal.id}/comments", data={"body": "Yo también", "parent_id": str(top.id)})
    reply = Comment.query.filter(Comment.parent_id.is_not(None)).one()
    assert reply.parent_id == top.id
    response = client.post(f"/comments/{top.id}/report", data={"reason": "Prueba de reporte"})
    assert response.status_code == 303
    again = client.post(f"/comments/{top.id}/report", data={"reason": "Otra vez"})
    assert_refused(client, again, f"/proposals/{proposal.id}", "Ya habías reportado este comentario")
    assert client.post(f"/comments/{top.id}/report", data={"reason": "Otra vez"}, headers=JSON).status_code == 409
    assert count(CommentReport) == 1
    assert author.id == top.user_id


def test_comment_text_is_escaped(client, factory):
    factory.user(email="ana@example.co", name='<img src=x onerror=alert(1)>')
    proposal = factory.proposal(factory.consultation())
    login(client, "ana@example.co")
    client.post(f"/proposals/{proposal.id}/comments", data={"body": '"><svg onload=alert(1)> <script>alert(2)</script>'})
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "<script>alert(2)" not in html and "<svg onload" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_bad_comment_comes_back_with_the_text_and_the_error_beside_it(client, factory):
    factory.user(email="ana@example.co")
    proposal = factory.proposal(factory.consultation())
    login(client, "ana@example.co")
    response = client.post(f"/proposals/{proposal.id}/comments", data={"body": "a"})
    html = assert_refused(client, response, f"/proposals/{proposal.id}", "entre 3 y 2000 caracteres")
    assert 'aria-invalid="true"' in html and "\na</textarea>" in html
    assert count(Comment) == 0
    # The draft is shown once: a reload shows an empty form.
    assert "entre 3 y 2000 caracteres" not in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert client.post(f"/proposals/{proposal.id}/comments", data={"body": "a"}, headers=JSON).status_code == 400


def test_bad_parent_ids_are_refused(client, factory):
    factory.user(email="ana@example.co")
    consultation = factory.consultation()
    proposal, other = factory.proposal(consultation), factory.proposal(consultation)
    login(client, "ana@example.co")
    client.post(f"/proposals/{other.id}/comments", data={"body": "En otra"})
    foreign = Comment.query.one()
    for parent in (str(foreign.id), "99999", "9999999999", "abc", "-1"):
        response = client.post(f"/proposals/{proposal.id}/comments", data={"body": "Respuesta", "parent_id": parent},
                               headers=JSON)
        assert response.status_code == 400, parent
    assert count(Comment) == 1


def test_comment_on_closed_consultation_is_refused(client, factory):
    factory.user(email="ana@example.co")
    proposal = factory.proposal(factory.consultation(state="closed"))
    login(client, "ana@example.co")
    response = client.post(f"/proposals/{proposal.id}/comments", data={"body": "Llego tarde"})
    assert_refused(client, response, f"/proposals/{proposal.id}", "La consulta no está abierta")
    response = client.post(f"/proposals/{proposal.id}/comments", data={"body": "Llego tarde"}, headers=JSON)
    assert response.status_code == 409
    assert count(Comment) == 0


def test_anonymous_comment_and_report_redirect_to_login(client, factory):
    proposal = factory.proposal(factory.consultation())
    assert client.post(f"/proposals/{proposal.id}/comments", data={"body": "Hola mundo"}).status_code == 302
    assert client.post("/comments/1/report", data={"reason": "abc"}).status_code == 302
    assert count(Comment) == 0


def test_hidden_comment_absent_from_public_page_and_count(client, factory):
    from aga_consulta.comments.services import add_comment
    from aga_consulta.extensions import db

    author = factory.user()
    proposal = factory.proposal(factory.consultation())
    comment = add_comment(author, proposal, "Texto que se ocultará")
    add_comment(author, proposal, "Texto visible")
    comment.status = "hidden"
    db.session.commit()
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Texto que se ocultará" not in html
    assert "Comentarios (1)" in html
    listing = client.get(f"/consultations/{proposal.consultation.slug}").get_data(as_text=True)
    assert "1 comentario" in listing


def test_a_refused_report_keeps_its_reason_beside_its_box(client, factory):
    from tests.helpers import field_error

    factory.user(email="ana@example.co")
    factory.user(email="beto@example.co")
    proposal = factory.proposal(factory.consultation())
    login(client, "ana@example.co")
    client.post(f"/proposals/{proposal.id}/comments", data={"body": "Apoyo esta idea"})
    top = Comment.query.one()
    client.post("/auth/logout")
    login(client, "beto@example.co")
    response = client.post(f"/comments/{top.id}/report", data={"reason": "no"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/proposals/{proposal.id}#comment-{top.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "entre 3 y 500" in field_error(page, f"reason-{top.id}") and ">no</textarea>" in page
    assert '<details class="report" open>' in page and count(CommentReport) == 0
