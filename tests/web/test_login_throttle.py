"""Sign-in throttling (django-axes): 5 failures per user name and address, then 15 minutes, on the
app's sign-in page and on /admin/login/ alike, with the user name normalised as Django does."""
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

ADMIN_LOGIN = "/admin/login/"


def _fail(client, url, username, times):
    for _attempt in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password"})
        assert response.status_code in (200, 429)


def test_the_admin_sign_in_is_paused_after_five_failures(db):
    User.objects.create_superuser("huitang", "", "right-password-2024")
    client = Client()
    _fail(client, ADMIN_LOGIN, "huitang", 30)
    response = client.post(ADMIN_LOGIN, {"username": "huitang", "password": "right-password-2024",
                                         "next": "/admin/"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_failures_on_the_admin_count_for_the_app_sign_in_too(db):
    User.objects.create_user("huitang", "", "right-password-2024")
    client = Client()
    _fail(client, ADMIN_LOGIN, "huitang", 5)
    response = client.post(reverse("login"), {"username": "huitang", "password": "right-password-2024"})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()


def test_a_fullwidth_letter_does_not_escape_the_pause(db):
    User.objects.create_user("huitang", "", "right-password-2024")
    client = Client()
    _fail(client, reverse("login"), "huitang", 5)
    # "ｈuitang" (fullwidth h) is the same user name once normalised (NFKC), as Django signs it in.
    response = client.post(reverse("login"), {"username": "\uff48uitang", "password": "right-password-2024"})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_under_a_fullwidth_name_count_for_the_plain_name(db):
    User.objects.create_user("huitang", "", "right-password-2024")
    client = Client()
    _fail(client, reverse("login"), "\uff48uitang", 5)
    response = client.post(reverse("login"), {"username": "huitang", "password": "right-password-2024"})
    assert response.status_code == 429


def test_four_failures_then_the_right_password_signs_in_and_clears_the_count(db):
    User.objects.create_user("huitang", "", "right-password-2024")
    client = Client()
    _fail(client, reverse("login"), "huitang", 4)
    assert client.post(reverse("login"), {"username": "huitang", "password": "right-password-2024"}).status_code == 302
    client.logout()
    _fail(client, reverse("login"), "huitang", 4)
    assert client.post(reverse("login"), {"username": "huitang", "password": "right-password-2024"}).status_code == 302


def test_the_pause_is_per_user_name_and_address(db):
    User.objects.create_user("huitang", "", "right-password-2024")
    User.objects.create_user("other", "", "right-password-2024")
    _fail(Client(), reverse("login"), "huitang", 5)
    assert Client().post(reverse("login"), {"username": "other", "password": "right-password-2024"}).status_code == 302
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    assert elsewhere.post(reverse("login"), {"username": "huitang",
                                             "password": "right-password-2024"}).status_code == 302


def test_the_pause_is_recorded_in_the_database(db):
    """Several app servers share one database, so the count must live there (not in a process)."""
    from axes.models import AccessAttempt

    User.objects.create_user("huitang", "", "right-password-2024")
    _fail(Client(), reverse("login"), "huitang", 5)
    attempt = AccessAttempt.objects.get(username="huitang")
    assert attempt.failures_since_start == 5


def test_repeated_failed_sign_ins_are_paused(demo):
    client = Client()
    for _attempt in range(5):
        client.post(reverse("login"), {"username": "xinzhou", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "xinzhou", "password": "demo-xinzhou-2024"})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    other = Client(REMOTE_ADDR="198.51.100.9")  # another address is not paused
    assert other.post(reverse("login"), {"username": "xinzhou", "password": "demo-xinzhou-2024"}).status_code == 302
