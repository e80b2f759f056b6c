"""The admin pages in a real browser (Debian's Chromium and chromedriver, Selenium from PyPI), against a real
coordinator: an admin signs in, adds a person, makes a token (its secret shown once), edits a macro with a
template error and then a good one with its preview, saves it, and revokes the token. A screenshot of each
page goes to OUTPUT_DIR, at 1280 px and at a phone's width.

Usage: admin.py BASE_URL ADMIN_TOKEN ADMIN_NAME ADMIN_PASSWORD OUTPUT_DIR
Prints one line per step; exits non-zero (with the reason) at the first step that fails."""
import json
import os
import re
import sys
import urllib.error
import urllib.request

from desk_browser import chromium, step
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

base, token, admin, password, output = sys.argv[1:6]
os.makedirs(output, exist_ok=True)


def api(path, bearer=token):
    """The API's answer to GET path with a token: (status, JSON or None)."""
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + bearer})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, None


driver = chromium()
wait = WebDriverWait(driver, 15)


def at(path):
    wait.until(EC.url_to_be(base + path))


def shot(name):
    """The whole page (as tall as its content) at the window's width."""
    width = driver.execute_script("return window.innerWidth")
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(driver.get_window_size()["width"], min(max(height + 140, 600), 4000))
    driver.save_screenshot(os.path.join(output, name + ".png"))
    print("screenshot:", name + ".png", "at", width, "px", flush=True)


def fill(element_id, text):
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def visible(element_id):
    return wait.until(EC.visibility_of_element_located((By.ID, element_id)))


try:
    step("the admin signs in and finds the admin pages from the home page")
    driver.get(base + "/sign-in")
    fill("login", admin)
    fill("password", password)
    driver.find_element(By.CSS_SELECTOR, "#password-form button").click()
    at("/")
    visible("admin-link").click()
    at("/admin")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Admin"
    assert "Something is broken (incident)" in visible("ticket-types").text, visible("ticket-types").text
    shot("admin-index")

    step("a new person: a bad address is named next to its field, then the person is added")
    driver.find_element(By.LINK_TEXT, "People and roles").click()
    at("/admin/people")
    fill("person-name", "sam")
    fill("person-email", "sam at example")
    Select(driver.find_element(By.ID, "person-role")).select_by_value("agent")
    Select(driver.find_element(By.ID, "person-tier")).select_by_value("2")
    fill("person-skills", "billing, network")
    fill("person-password", "sam's long password")
    driver.find_element(By.CSS_SELECTOR, "#person-form button").click()
    error = visible("person-email-error")
    assert error.text.startswith("Email must be an e-mail address like name@example.com."), error.text
    assert driver.find_element(By.ID, "person-password").get_attribute("value") == "", "a password is never sent back"
    assert driver.find_element(By.ID, "person-name").get_attribute("value") == "sam"
    assert driver.find_element(By.ID, "person-email").get_attribute("aria-invalid") == "true"
    shot("admin-people-error")
    fill("person-email", "sam@example.com")
    fill("person-password", "sam's long password")
    driver.find_element(By.CSS_SELECTOR, "#person-form button").click()
    assert visible("notice").text == "sam was added.", driver.find_element(By.ID, "notice").text
    assert "billing, network" in driver.find_element(By.ID, "people").text
    status, user = api("/api/v1/users/sam")
    assert status == 200 and user["role"] == "agent" and user["tier"] == 2 and user["password"], user
    shot("admin-people")

    step("a token for sam: its secret is shown once, with the warning, and it works")
    driver.find_element(By.LINK_TEXT, "API tokens").click()
    at("/admin/tokens")
    fill("token-name", "reporting export")
    Select(driver.find_element(By.ID, "token-user")).select_by_value("sam")
    fill("token-expires_in_days", "30")
    driver.find_element(By.CSS_SELECTOR, "input[name='scope-tickets:read']").click()
    driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
    warning = visible("secret-warning")
    assert "will not be shown again" in warning.text, warning.text
    secret = driver.find_element(By.ID, "token-secret").get_attribute("value").strip()
    assert re.fullmatch(r"desk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", secret), secret
    prefix = driver.find_element(By.ID, "token-prefix").text
    assert secret.startswith(prefix), (secret, prefix)
    status, me = api("/api/v1/me", bearer=secret)
    assert status == 200 and me["name"] == "sam" and me["permissions"] == ["tickets:read"], (status, me)
    shot("admin-token-created")
    driver.find_element(By.ID, "tokens-link").click()
    at("/admin/tokens")
    assert secret not in driver.page_source and prefix in driver.find_element(By.ID, "tokens").text

    step("a macro: a template error is shown next to the reply with the text kept")
    driver.find_element(By.LINK_TEXT, "Macros").click()
    at("/admin/macros")
    driver.find_element(By.ID, "new-macro").click()
    fill("macro-name", "first-answer")
    fill("macro-description", "The first answer to a new ticket")
    fill("macro-reply", "Hello {{requester.nmae}},\nwe are looking at #{{ticket.id}}.\n{{agent.name}}")
    driver.find_element(By.ID, "preview-macro").click()
    error = visible("macro-reply-error")
    assert error.text.startswith("Reply: template line 1"), error.text
    assert "{{requester.nmae}}" in driver.find_element(By.ID, "macro-reply").get_attribute("value")
    assert not driver.find_elements(By.ID, "macro-preview")
    shot("admin-macro-error")

    step("fixed, its preview shows the reply for a sample ticket; saved, it is in the list and the API")
    fill("macro-reply", "Hello {{requester.name}},\nwe are looking at #{{ticket.id}} ({{ticket.subject}}).\n{{agent.name}}")
    fill("macro-actions", '{"add_tags": ["answered"]}')
    driver.find_element(By.ID, "preview-macro").click()
    preview = visible("macro-preview")
    assert preview.text == f"Hello pat.doe,\nwe are looking at #1042 (Cannot sign in after the update).\n{admin}", preview.text
    assert not driver.find_elements(By.ID, "macro-reply-error")
    status, _ = api("/api/v1/macros/first-answer")
    assert status == 404, "a preview saves nothing"
    shot("admin-macro-preview")
    driver.find_element(By.ID, "save-macro").click()
    at("/admin/macros?done=macro-saved&name=first-answer")
    assert visible("notice").text == "The macro first-answer was saved."
    assert "first-answer" in driver.find_element(By.ID, "macros").text
    status, macro = api("/api/v1/macros/first-answer")
    assert status == 200 and macro["actions"] == {"add_tags": ["answered"]} and "{{ticket.subject}}" in macro["reply"], macro
    shot("admin-macros")

    step("the token is revoked from the list: it stops working at once")
    driver.find_element(By.LINK_TEXT, "API tokens").click()
    driver.find_element(By.ID, "revoke-" + prefix).click()
    assert visible("notice").text.startswith(f"The token {prefix} is revoked"), driver.find_element(By.ID, "notice").text
    assert "revoked" in driver.find_element(By.ID, "tokens").text
    status, _ = api("/api/v1/me", bearer=secret)
    assert status == 401, status
    shot("admin-tokens")

    step("the audit log shows each change, newest first, without the secret")
    driver.find_element(By.LINK_TEXT, "Audit log").click()
    rows = driver.find_elements(By.CSS_SELECTOR, "#audit tbody tr")
    actions = [row.find_elements(By.TAG_NAME, "td")[2].text for row in rows[:4]]
    assert actions == ["token.revoke", "macro.create", "token.create", "user.create"], actions
    assert secret not in driver.page_source and secret[14:] not in driver.page_source
    shot("admin-audit")

    step("the agent keys and SLA policies pages")
    driver.find_element(By.LINK_TEXT, "Agent keys").click()
    assert visible("keys-count").text.startswith("0 keys"), "the test's coordinator has no agent keys (its agent port is plain)"
    shot("admin-agent-keys")
    driver.find_element(By.LINK_TEXT, "SLA policies").click()
    assert '"policies"' in visible("sla-document").get_attribute("value")
    shot("admin-sla")

    step("on a phone's width the pages still fit: no sideways scrolling of the page itself")
    driver.set_window_size(390, 844)
    for path, name in (("/admin/people", "phone-admin-people"), ("/admin/macros/edit?name=first-answer", "phone-admin-macro"),
                       ("/admin/tokens", "phone-admin-tokens")):
        driver.get(base + path)
        wait.until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
        overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px"
        shot(name)
    print("browser: all steps passed", flush=True)
except Exception as failure:  # noqa: BLE001 - the test reports any failure with the page it was on
    print(f"browser: FAILED at {driver.current_url}: {type(failure).__name__}: {failure}", flush=True)
    print("browser: the page was:", driver.page_source[:1500].replace("\n", " "), flush=True)
    try:
        driver.save_screenshot(os.path.join(output, "failure.png"))
    except Exception:  # noqa: BLE001 - the failure above is what matters
        pass
    sys.exit(1)
finally:
    driver.quit()
