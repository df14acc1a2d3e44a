"""The 奖励核定表 prints on one A4 page: the served HTML, rendered by headless Chromium to PDF (Chromium's own
print path, with the form's print stylesheet), has exactly one page; a screenshot lands in var/screenshots/."""

import base64
import re

import requests
from selenium.webdriver.common.print_page_options import PrintOptions

from tests.e2e.conftest import SHOTS


def test_the_form_prints_on_one_a4_page(browser, server, keys, graph, tmp_path):
    intro = graph.read("MATCH (i:Introduction {id: 'intro-six-partners'}) RETURN i.enterprise AS e, i.cluster AS c")[0]
    check = requests.post(f"{server}/api/v1/reward-checks", headers=keys["analyst"], timeout=30,
                          json={"enterprise": intro["e"], "cluster": intro["c"], "as_of": "2026-11-27"}).json()
    html = requests.get(f"{server}/api/v1/reward-checks/{check['id']}/form", headers=keys["analyst"], timeout=30)
    assert html.status_code == 200
    page = tmp_path / "form.html"  # the browser cannot send the key, so it opens what the API served
    page.write_bytes(html.content)
    browser.get(page.as_uri())
    assert browser.title == "县域特色产业集群新引进企业协作配套奖励核定表"
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(900, 1300)
    browser.save_screenshot(str(SHOTS / "reward-form.png"))
    browser.set_window_size(1500, 1300)
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7   # A4, in centimetres
    options.orientation = "portrait"
    pdf = base64.b64decode(browser.print_page(options))
    (SHOTS / "reward-form.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"the form printed on {pages} pages"
    assert len(check["partners"]["counted"]) >= 6  # a full partner table still fits
