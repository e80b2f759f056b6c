"""The web app's door in a real browser (Debian's Chromium and chromedriver, Selenium from PyPI), against
a real coordinator: a staff member signs in (after a wrong password) and out; a customer asks for a link,
the link's page does not sign in by itself, its button does, once, and shows "my requests".

Usage: sign_in.py BASE_URL ADMIN_TOKEN STAFF_NAME STAFF_PASSWORD CUSTOMER_EMAIL TICKET_SUBJECT
Prints one line per step; exits non-zero (with the reason) at the first step that fails."""
import json
import re
import sys
import urllib.request

from desk_browser import chromium, step
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base, token, staff, password, customer, subject = sys.argv[1:7]


def api(path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


driver = chromium()
wait = WebDriverWait(driver, 15)


def at(path):
    wait.until(EC.url_to_be(base + path))


try:
    step("an anonymous visit to / lands on the sign-in page")
    driver.get(base + "/")
    at("/sign-in")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in"
    assert driver.find_element(By.CSS_SELECTOR, "label[for=login]").text == "Name or e-mail"

    step("a wrong password shows the error on the page, and stays there")
    driver.find_element(By.ID, "login").send_keys(staff)
    driver.find_element(By.ID, "password").send_keys("not the password at all")
    driver.find_element(By.CSS_SELECTOR, "#password-form button").click()
    error = wait.until(EC.visibility_of_element_located((By.ID, "sign-in-error")))
    assert error.text == "Wrong name or password.", error.text
    assert driver.find_element(By.ID, "login").get_attribute("value") == staff

    step("the right password signs in: the home page names the person")
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#password-form button").click()
    at("/")
    signed_in = wait.until(EC.visibility_of_element_located((By.ID, "signed-in")))
    assert staff in signed_in.text, signed_in.text
    cookie = driver.get_cookie("desk_session")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie

    step("sign-out ends the session: / goes back to sign-in")
    driver.find_element(By.ID, "sign-out").click()
    at("/sign-in")
    driver.get(base + "/")
    at("/sign-in")

    step("a customer asks for a link: the same answer, and a mail in the outbox")
    driver.find_element(By.ID, "email").send_keys(customer)
    driver.find_element(By.CSS_SELECTOR, "#link-form button").click()
    sent = wait.until(EC.visibility_of_element_located((By.ID, "link-sent")))
    assert customer in sent.text, sent.text
    mails = [m for m in api("/api/v1/outbox?pending=true")["messages"] if m["kind"] == "sign_in_link" and m["to"] == customer]
    assert len(mails) == 1, mails
    link = re.search(r"https?://\S+/auth/link/\S+", mails[0]["body"]).group(0)

    step("opening the link does not sign in by itself")
    driver.get(link)
    button = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "form button")))
    driver.get(base + "/portal")
    at("/sign-in")

    step("its button signs in once, and shows my requests in plain words")
    driver.get(link)
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "form button"))).click()
    at("/portal")
    table = wait.until(EC.visibility_of_element_located((By.ID, "requests")))
    assert subject in table.text and "Waiting for an agent" in table.text, table.text

    step("a new request with its subject missing: the message is next to the field, the text kept")
    driver.find_element(By.ID, "new-request").click()
    at("/portal/new")
    driver.find_element(By.ID, "body").send_keys("The screen stays black after the update.")
    driver.find_element(By.CSS_SELECTOR, "#request-form button").click()
    field_error = wait.until(EC.visibility_of_element_located((By.ID, "subject-error")))
    assert field_error.text == "Subject is required.", field_error.text
    assert driver.find_element(By.ID, "subject").get_attribute("aria-describedby") == "subject-error"
    assert "black after the update" in driver.find_element(By.ID, "body").get_attribute("value")

    step("complete, it is sent: the page shows the ticket's number and where it stands")
    driver.find_element(By.ID, "subject").send_keys("Black screen after the update")
    driver.find_element(By.CSS_SELECTOR, "#request-form button").click()
    number = wait.until(EC.visibility_of_element_located((By.ID, "ticket-number"))).text
    assert re.fullmatch(r"#\d+", number), number
    assert driver.find_element(By.ID, "ticket-status").text == "Waiting for an agent"
    ticket = api("/api/v1/tickets/" + number[1:])
    assert ticket["requester"] == customer and ticket["channel"] == "web" and ticket["subject"] == "Black screen after the update", ticket
    driver.get(base + "/portal")
    assert "Black screen after the update" in wait.until(EC.visibility_of_element_located((By.ID, "requests"))).text

    step("the link does not work twice: its page says so, with no button")
    driver.delete_all_cookies()
    driver.get(link)
    heading = wait.until(EC.visibility_of_element_located((By.TAG_NAME, "h1")))
    assert "cannot be used" in heading.text and "already used" in driver.page_source, heading.text
    assert not driver.find_elements(By.CSS_SELECTOR, "form button")
    print("browser: all steps passed", flush=True)
except Exception as failure:  # noqa: BLE001 - the test reports any failure with the page it was on
    print(f"browser: FAILED at {driver.current_url}: {type(failure).__name__}: {failure}", flush=True)
    print("browser: the page was:", driver.page_source[:1500].replace("\n", " "), flush=True)
    sys.exit(1)
finally:
    driver.quit()
