"""Signing in as a person does it, in the Chromium pages of the browser tests."""
from playwright.sync_api import expect

from tests.helpers import DEMO_PASSWORDS


def fill_sign_in(page, username="xinzhou", password=None):
    """Type the user name and password into the sign-in page in front of ``page`` and send it."""
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or DEMO_PASSWORDS[username])
    page.click("button[type=submit]")


def sign_in_page(page, base, username, password=None):
    """Open the app in ``page``, sign in and wait for the list of forms."""
    page.goto(f"{base}/")
    fill_sign_in(page, username, password)
    expect(page.locator("h1")).to_have_text("绩效自评表")
    return page


def sign_in(browser, base, username, password=None, **context):
    """Return a page of a new browser context (its own cookies) signed in as ``username``."""
    return sign_in_page(browser.new_context(**context).new_page(), base, username, password)


def save_and_wait(page, button="button[value=stay]"):
    """Press a button that posts the page's form and wait for the server's answer to load.

    A click returns as soon as the browser has sent nothing yet or half the post; reading the
    database (or closing the browser) before the next page has loaded races the save.
    """
    with page.expect_navigation():
        page.click(button)
