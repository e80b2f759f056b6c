"""The staff workspace, the customer's ticket page and the lead dashboard in real browsers (Debian's
Chromium and chromedriver, Selenium from PyPI), against a real coordinator whose web desks are real agent
sessions on its agent port. Three people, each in their own browser:

  2. a staff member signs in, sees a ticket arrive without reloading, applies a macro after its preview,
     adds an internal note, and resolves another ticket from the keyboard;
  3. the customer sees the public reply but not the note, and confirms the resolution;
  4. the lead dashboard's counts change without a reload when tickets are created and resolved;
  5. a tab acting on a ticket whose lease moved (resolved in the person's other tab; taken by the lead)
     gets the refusal message, and the history shows one action;
  and the help centre's search, and the portal's suggestions while the customer types: "this solved my
  problem" sends nothing and counts a deflection, going on sends the request.

Usage: workspace.py BASE_URL ADMIN_TOKEN STAFF STAFF_PASSWORD LEAD LEAD_PASSWORD CUSTOMER_EMAIL MACRO
Screenshots go to $DESK_SCREENSHOTS when it is set. Prints one line per step; exits non-zero (with the
reason) at the first step that fails."""
import json
import os
import re
import sys
import time
import urllib.request

from desk_browser import chromium, step
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

base, token, staff, staff_password, lead, lead_password, customer, macro = sys.argv[1:9]
shots = os.environ.get("DESK_SCREENSHOTS")


def api(path, body=None, auth=True):
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = "Bearer " + token
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def shot(driver, name):
    if shots:
        os.makedirs(shots, exist_ok=True)
        driver.save_screenshot(os.path.join(shots, name + ".png"))


def sign_in(driver, name, password):
    driver.get(base + "/sign-in")
    driver.find_element(By.ID, "login").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#password-form button").click()
    WebDriverWait(driver, 15).until(EC.url_to_be(base + "/"))


def create(subject, body):
    return api("/api/v1/tickets", {"subject": subject, "body": body, "requester": customer}, auth=False)["id"]


def history(ticket):
    return api("/api/v1/tickets/%d" % ticket)["history"]


def mark(driver):
    """A flag only this page load has: still set later means the page was not reloaded."""
    driver.execute_script("window.__sameLoad = 'yes';")


def same_load(driver):
    return driver.execute_script("return window.__sameLoad || 'reloaded';") == "yes"


def wait_embedded():
    """The coordinator embeds articles in the background: until then knowledge search is by keyword."""
    deadline = time.time() + 60
    while True:
        embedding = api("/api/v1/kb/stats")["embedding"]
        if embedding["state"] == "ready" and embedding["backlog"] == 0 and embedding["vectors"] >= 1:
            return
        assert time.time() < deadline, "the article was not embedded within 60 s: %r" % embedding
        time.sleep(0.1)


def number(driver, element_id):
    return int(driver.find_element(By.ID, element_id).text)


drivers = []
try:
    sam, lena, cust = chromium(), chromium(), chromium(412, 915)  # the customer on a phone-sized screen
    drivers = [sam, lena, cust]
    # A live region swapped between finding an element and reading it is stale: the wait tries again.
    wait_sam, wait_lena, wait_cust = (WebDriverWait(d, 15, ignored_exceptions=(StaleElementReferenceException,)) for d in drivers)

    step("the lead opens the dashboard")
    sign_in(lena, lead, lead_password)
    lena.find_element(By.ID, "go-lead").click()
    wait_lena.until(EC.visibility_of_element_located((By.ID, "dashboard")))
    wait_lena.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-live-open") == "1")
    mark(lena)
    created_before, resolved_before = number(lena, "created-today"), number(lena, "resolved-today")
    shot(lena, "dashboard-empty")

    step("the staff member signs in and opens the workspace: online")
    sign_in(sam, staff, staff_password)
    sam.find_element(By.ID, "go-work").click()
    wait_sam.until(EC.text_to_be_present_in_element((By.ID, "desk-state"), "Online, taking tickets"))
    wait_sam.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-live-open") == "1")
    mark(sam)

    step("2. a new ticket appears in the workspace without a reload, with a notice")
    first = create("VPN drops every hour", "Since Monday the VPN disconnects every hour on the hour.")
    wait_sam.until(EC.presence_of_element_located((By.CSS_SELECTOR, "tr[data-mine='%d']" % first)))
    notice = wait_sam.until(EC.visibility_of_element_located((By.ID, "assigned-notice")))
    assert "#%d" % first in notice.text, notice.text
    assert same_load(sam), "the workspace was reloaded"
    shot(sam, "workspace")

    step("4. the dashboard's created count went up without a reload")
    wait_lena.until(lambda d: number(d, "created-today") == created_before + 1)
    assert same_load(lena), "the dashboard was reloaded"

    step("2. the ticket page shows the article that may answer it; one click links it in the reply")
    wait_embedded()
    sam.find_element(By.LINK_TEXT, "VPN drops every hour").click()
    wait_sam.until(EC.visibility_of_element_located((By.ID, "actions")))
    related = sam.find_element(By.ID, "related")
    assert "The VPN disconnects every hour" in related.text, related.text
    related.find_element(By.CSS_SELECTOR, "button.link-article").click()
    sam.execute_script("arguments[0].scrollIntoView({block: 'center'})", related)
    shot(sam, "ticket-related")
    reply_text = sam.find_element(By.ID, "reply-body").get_attribute("value")
    assert "The VPN disconnects every hour: " in reply_text and "/help/articles/" in reply_text, reply_text
    sam.find_element(By.ID, "reply-body").clear()

    step("2. the ticket page: the macro's preview, then applying it")
    Select(sam.find_element(By.ID, "macro")).select_by_value(macro)
    sam.find_element(By.ID, "macro-preview").click()
    preview = wait_sam.until(EC.visibility_of_element_located((By.ID, "macro-preview-text")))
    user = customer.split("@")[0]
    assert "Hello " + user in preview.text and "pending confirmation" in preview.text, preview.text
    assert [e["kind"] for e in history(first)].count("replied") == 0, "the preview sent something"
    sam.execute_script("arguments[0].scrollIntoView({block: 'center'})", preview)
    shot(sam, "macro-preview")
    sam.find_element(By.ID, "macro-send").click()
    wait_sam.until(EC.text_to_be_present_in_element((By.ID, "action-notice"), "Macro applied."))
    assert sam.find_element(By.ID, "ticket-status").text == "pending confirmation", sam.find_element(By.ID, "ticket-status").text

    step("2. an internal note, shown as one")
    sam.find_element(By.ID, "note-body").send_keys("Customer is still on client 5.1; the fix is in 5.2.")
    sam.find_element(By.CSS_SELECTOR, "#note-form button").click()
    wait_sam.until(EC.text_to_be_present_in_element((By.ID, "action-notice"), "Note added."))
    note = sam.find_element(By.CSS_SELECTOR, "#conversation .message.note")
    assert "Internal note" in note.text and "client 5.1" in note.text, note.text
    shot(sam, "ticket")

    step("3. the customer signs in by link and sees the reply, not the note")
    cust.get(base + "/sign-in")
    cust.find_element(By.ID, "email").send_keys(customer)
    cust.find_element(By.CSS_SELECTOR, "#link-form button").click()
    wait_cust.until(EC.visibility_of_element_located((By.ID, "link-sent")))
    mails = [m for m in api("/api/v1/outbox?pending=true")["messages"] if m["kind"] == "sign_in_link" and m["to"] == customer]
    link = re.search(r"https?://\S+/auth/link/\S+", mails[-1]["body"]).group(0)
    cust.get(link)
    wait_cust.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "form button"))).click()
    wait_cust.until(EC.url_to_be(base + "/portal"))
    cust.find_element(By.LINK_TEXT, "VPN drops every hour").click()
    conversation = wait_cust.until(EC.visibility_of_element_located((By.ID, "conversation")))
    assert "update the VPN client to 5.2" in conversation.text, conversation.text
    assert "client 5.1" not in cust.page_source and "Internal note" not in cust.page_source, "the customer sees the note"
    assert cust.find_element(By.ID, "request-status").text == "Answered: please confirm it is solved"
    shot(cust, "portal-ticket")

    step("3. the customer confirms: resolved; 4. the dashboard's resolved count goes up live")
    cust.find_element(By.ID, "confirm-solved").click()
    wait_cust.until(EC.text_to_be_present_in_element((By.ID, "portal-notice"), "resolved"))
    assert cust.find_element(By.ID, "request-status").text == "Resolved"
    wait_lena.until(lambda d: number(d, "resolved-today") == resolved_before + 1)
    assert same_load(lena), "the dashboard was reloaded"
    kinds = [(e["kind"], e["actor"]) for e in history(first)]
    assert kinds.count(("resolved", "customer")) == 1, kinds

    step("2. another ticket, resolved from the keyboard (x, then the resolution)")
    second = create("Monitor flickers", "The second monitor flickers when the laptop is docked.")
    sam.get(base + "/work")
    wait_sam.until(EC.presence_of_element_located((By.CSS_SELECTOR, "tr[data-mine='%d']" % second)))
    sam.get(base + "/work/tickets/%d" % second)
    wait_sam.until(EC.visibility_of_element_located((By.ID, "actions")))
    sam.find_element(By.TAG_NAME, "body").send_keys("x")
    assert sam.switch_to.active_element.get_attribute("id") == "resolution", sam.switch_to.active_element.get_attribute("id")
    sam.switch_to.active_element.send_keys("Replaced the dock's cable.")
    sam.find_element(By.ID, "resolve").click()
    wait_sam.until(EC.text_to_be_present_in_element((By.ID, "action-notice"), "Resolved."))
    wait_lena.until(lambda d: number(d, "resolved-today") == resolved_before + 2)
    assert same_load(lena), "the dashboard was reloaded"
    shot(lena, "dashboard")

    step("5. two tabs of one person: the ticket resolved in one, the other's note is refused")
    third = create("Password reset mail never comes", "I asked three times.")
    wait_sam.until(lambda d: d.get(base + "/work") or d.find_elements(By.CSS_SELECTOR, "tr[data-mine='%d']" % third))
    sam.get(base + "/work/tickets/%d" % third)
    wait_sam.until(EC.visibility_of_element_located((By.ID, "actions")))
    tab_a = sam.current_window_handle
    sam.switch_to.new_window("tab")
    sam.get(base + "/work/tickets/%d" % third)
    wait_sam.until(EC.visibility_of_element_located((By.ID, "actions")))
    sam.find_element(By.ID, "resolution").send_keys("Mail was in quarantine; released it.")
    sam.find_element(By.ID, "resolve").click()
    wait_sam.until(EC.text_to_be_present_in_element((By.ID, "action-notice"), "Resolved."))
    sam.switch_to.window(tab_a)
    sam.find_element(By.ID, "note-body").send_keys("Checking the mail gateway.")
    sam.find_element(By.CSS_SELECTOR, "#note-form button").click()
    refusal = wait_sam.until(EC.visibility_of_element_located((By.ID, "action-error")))
    assert "no longer yours" in refusal.text and "Nothing was sent" in refusal.text, refusal.text
    kinds = [e["kind"] for e in history(third)]
    assert kinds.count("resolved") == 1 and kinds.count("noted") == 0, kinds

    step("5. a stale tab after the lead took the ticket: the reply is refused, nothing sent")
    fourth = create("Printer queue stuck", "Jobs stay in the queue for ever.")
    wait_sam.until(lambda d: d.get(base + "/work") or d.find_elements(By.CSS_SELECTOR, "tr[data-mine='%d']" % fourth))
    sam.get(base + "/work/tickets/%d" % fourth)
    wait_sam.until(EC.visibility_of_element_located((By.ID, "actions")))
    lena.get(base + "/work/tickets/%d" % fourth)
    wait_lena.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#take-form button"))).click()
    wait_lena.until(EC.text_to_be_present_in_element((By.ID, "action-notice"), "The ticket is yours."))
    sam.find_element(By.ID, "reply-body").send_keys("I restarted the spooler for you.")
    sam.find_element(By.CSS_SELECTOR, "#reply-form button").click()
    refusal = wait_sam.until(EC.visibility_of_element_located((By.ID, "action-error")))
    assert "no longer yours" in refusal.text, refusal.text
    assert sam.find_element(By.ID, "ticket-assignee").text == lead, sam.find_element(By.ID, "ticket-assignee").text
    shot(sam, "stale-tab-refused")
    events = history(fourth)
    assert [e["kind"] for e in events].count("replied") == 0, events
    takes = [e for e in events if e["kind"] == "assigned" and e["actor"] == "user:" + lead]
    assert len(takes) == 1, events

    step("the workspace at a phone's width: no sideways scrolling of the page")
    sam.set_window_size(412, 915)
    sam.get(base + "/work")
    wait_sam.until(EC.visibility_of_element_located((By.ID, "availability-form")))
    assert sam.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), "the workspace scrolls sideways on a phone"
    shot(sam, "workspace-phone")
    sam.get(base + "/work/tickets/%d" % first)
    wait_sam.until(EC.visibility_of_element_located((By.ID, "conversation")))
    assert sam.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), "the ticket page scrolls sideways on a phone"
    shot(sam, "ticket-phone")

    step("the help centre: the customer's own words find the article, which opens rendered")
    cust.get(base + "/help")
    cust.find_element(By.ID, "q").send_keys("my vpn keeps disconnecting")
    cust.find_element(By.CSS_SELECTOR, "#help-search button").click()
    results = wait_cust.until(EC.visibility_of_element_located((By.ID, "help-results")))
    assert "The VPN disconnects every hour" in results.text, results.text
    assert results.find_elements(By.TAG_NAME, "mark"), "the matched words are marked"
    cust.find_element(By.PARTIAL_LINK_TEXT, "disconnects every hour").click()
    article = wait_cust.until(EC.visibility_of_element_located((By.ID, "help-article")))
    assert article.find_element(By.TAG_NAME, "strong").text == "5.2" and len(article.find_elements(By.CSS_SELECTOR, "ol li")) == 2, article.text
    shot(cust, "help-article")

    step("the portal suggests the article while the customer types; 'this solved my problem' sends nothing")
    wait_embedded()
    before = api("/api/v1/kb/stats")
    tickets_before = len(api("/api/v1/tickets?limit=500")["tickets"])
    cust.get(base + "/portal/new")
    cust.find_element(By.ID, "subject").send_keys("internet tunnel to the office keeps dropping")
    cust.find_element(By.ID, "body").send_keys("every hour or so I lose the connection to the office network")
    panel = wait_cust.until(EC.visibility_of_element_located((By.ID, "suggestions")))
    assert "The VPN disconnects every hour" in panel.text, panel.text
    shot(cust, "portal-suggestions")
    panel.find_element(By.CSS_SELECTOR, "button.solved").click()
    wait_cust.until(EC.visibility_of_element_located((By.ID, "deflected")))
    after = api("/api/v1/kb/stats")
    assert after["solved"] == before["solved"] + 1 and after["suggested"] == before["suggested"] + 1, (before, after)
    assert len(api("/api/v1/tickets?limit=500")["tickets"]) == tickets_before, "'solved' made a ticket"

    step("the portal: the customer sees the suggestion, goes on and sends the request")
    cust.get(base + "/portal/new")
    cust.find_element(By.ID, "subject").send_keys("VPN drops again")
    cust.find_element(By.ID, "body").send_keys("the vpn disconnects every hour, I updated already")
    wait_cust.until(EC.visibility_of_element_located((By.ID, "suggestions")))
    cust.find_element(By.CSS_SELECTOR, "#request-form button[type=submit]:not(.solved)").click()
    wait_cust.until(EC.visibility_of_element_located((By.ID, "received")))
    final = api("/api/v1/kb/stats")
    assert final["continued"] == after["continued"] + 1 and final["solved"] == after["solved"], (after, final)
    assert len(api("/api/v1/tickets?limit=500")["tickets"]) == tickets_before + 1

    step("the pages at a phone's width: the customer's requests")
    cust.get(base + "/portal")
    wait_cust.until(EC.visibility_of_element_located((By.ID, "requests")))
    assert cust.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), "the portal scrolls sideways on a phone"
    shot(cust, "portal-phone")
    print("browser: all steps passed", flush=True)
except Exception as error:  # noqa: BLE001 - the reason goes to the test's output
    print("browser: FAILED:", repr(error), flush=True)
    for index, driver in enumerate(drivers):
        try:
            print("page %d (%s):" % (index, driver.current_url), driver.find_element(By.TAG_NAME, "main").text[:1500], flush=True)
            shot(driver, "failure-%d" % index)
        except Exception:  # noqa: BLE001
            pass
    sys.exit(1)
finally:
    for driver in drivers:
        driver.quit()
