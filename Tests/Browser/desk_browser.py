"""What the browser tests share: Debian's Chromium through its chromedriver (Selenium downloads nothing),
headless, and the step lines the Swift side reads."""
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def step(text):
    print("step:", text, flush=True)


def chromium(width=1280, height=900):
    """A headless Chromium of that window size, pages timing out after 20 s."""
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=%d,%d" % (width, height)):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    return driver
