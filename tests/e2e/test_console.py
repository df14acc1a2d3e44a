"""The web console end to end: headless Chromium (Debian's chromium + chromedriver, driven by Selenium) against
gunicorn and the real Neo4j. A screenshot of each step lands in var/screenshots/ (ignored by git)."""

import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.conftest import SHOTS


def console_errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def wait(driver, seconds=20):
    return WebDriverWait(driver, seconds)


def test_console_chain_targets_and_reward_check(browser, server, keys, graph):
    analyst_key = keys["analyst"]["Authorization"].split(" ", 1)[1]
    browser.get(server + "/")
    assert browser.title == "河北县域特色产业集群 · 产业链招商图谱"
    assert "请在右上角输入访问密钥" in browser.find_element(By.ID, "status").text

    browser.find_element(By.ID, "key").send_keys(analyst_key)
    browser.find_element(By.CSS_SELECTOR, "#key-form button").click()
    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map circle.cluster")) == 59)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map circle.county")) == 167

    Select(browser.find_element(By.ID, "city")).select_by_visible_text("衡水市")
    Select(browser.find_element(By.ID, "cluster")).select_by_value("anping-wire-mesh")
    chain = requests.get(f"{server}/api/v1/clusters/anping-wire-mesh/chain", headers=keys["analyst"]).json()
    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chain g.node")) == len(chain["nodes"]))
    drawn = {g.get_attribute("data-node-id"): g.get_attribute("data-status")
             for g in browser.find_elements(By.CSS_SELECTOR, "#chain g.node")}
    assert drawn == {n["id"]: n["status"] for n in chain["nodes"]}
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chain path.edge")) == len(chain["edges"])
    assert "安平丝网" in browser.find_element(By.ID, "cluster-title").text
    present = next(n for n in chain["nodes"] if n["status"] == "present")
    ActionChains(browser).move_to_element(
        browser.find_element(By.CSS_SELECTOR, f'#chain g.node[data-node-id="{present["id"]}"]')).perform()
    evidence = browser.find_element(By.ID, "evidence").text  # evidence on hover, from the node's own counts
    assert present["name"] in evidence and f"本地活跃市场主体：{present['evidence']['local_entities']}家" in evidence
    browser.save_screenshot(str(SHOTS / "console-chain.png"))

    # the membrane gap: its targets are the API's recommendations, in order, with reasons and outlook
    membrane = browser.find_element(By.CSS_SELECTOR, '#chain g.node[data-node-id="anping-wire-mesh.membrane"]')
    assert membrane.get_attribute("data-status") == "gap"
    membrane.click()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#targets tbody tr"))
    expected = requests.get(f"{server}/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=10",
                            headers=keys["analyst"]).json()["items"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#targets tbody tr")
    assert [r.get_attribute("data-uscc") for r in rows] == [i["enterprise"]["uscc"] for i in expected]
    assert all(r in rows[0].text for r in expected[0]["reasons"]) and "可协作本地主体" in rows[0].text
    cautions = rows[0].find_element(By.CSS_SELECTOR, "td.cautions").text
    assert all(c in cautions for c in expected[0]["cautions"])
    district = graph.read("MATCH (r:Region {adcode: $a}) RETURN r.name AS n", a=expected[0]["enterprise"]["region"])[0]
    assert district["n"] in rows[0].text  # the district by name, not only its code
    assert "缺链" in browser.find_element(By.ID, "targets-title").text
    assert "本地活跃市场主体：0家" in browser.find_element(By.ID, "evidence").text
    membrane_reasons = next(n for n in chain["nodes"] if n["id"] == "anping-wire-mesh.membrane")["evidence"]["reasons"]
    assert all(f"判定依据：{r}" in browser.find_element(By.ID, "evidence").text for r in membrane_reasons)
    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#flows path.flow")) == len(expected))
    browser.save_screenshot(str(SHOTS / "console-targets.png"))

    # a reward check for an introduced enterprise, check by check, and recorded
    intro = graph.read("MATCH (i:Introduction {id: 'intro-eligible-5'}) RETURN i.cluster AS c, i.enterprise AS e")[0]
    Select(browser.find_element(By.ID, "city")).select_by_visible_text("全省")
    Select(browser.find_element(By.ID, "cluster")).select_by_value(intro["c"])
    button = wait(browser).until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, f'#introductions button[data-enterprise="{intro["e"]}"]')))
    # the new cluster's page no longer shows the old node's targets
    assert browser.find_element(By.ID, "targets-hint").text == "在产业链图中点击一个环节，查看京津招商目标。"
    assert not browser.find_element(By.ID, "targets").is_displayed()
    browser.execute_script("document.getElementById('as-of').value = '2026-11-27'")  # the officer's 核查基准日
    button.click()
    outcome = wait(browser).until(ec.presence_of_element_located((By.ID, "outcome")))
    checks = browser.find_elements(By.CSS_SELECTOR, "#checks tbody tr")
    recorded = graph.read("MATCH (d:RewardDecision {enterprise: $e}) RETURN d.outcome AS outcome, d.id AS id "
                          "ORDER BY d.checked_at DESC LIMIT 1", e=intro["e"])[0]
    assert outcome.get_attribute("data-outcome") == recorded["outcome"] == "eligible"
    assert "符合奖励条件" in outcome.text and "100万元" in browser.find_element(By.ID, "verdict").text
    assert recorded["id"] in browser.find_element(By.ID, "verdict").text
    stored = requests.get(f"{server}/api/v1/reward-checks/{recorded['id']}", headers=keys["analyst"]).json()
    assert [r.get_attribute("data-rule") for r in checks] == [c["rule"] for c in stored["checks"]]
    assert stored["as_of"] == "2026-11-27"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#counted tbody tr")) == len(stored["partners"]["counted"])
    assert browser.find_element(By.ID, "form-html").is_displayed() and browser.find_element(By.ID, "form-xlsx")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, f'#history-table tr[data-check="{recorded["id"]}"]'))
    browser.save_screenshot(str(SHOTS / "console-reward.png"))

    assert console_errors(browser) == []


def test_console_is_self_contained(server):
    """No CDN, no external tiles: every script, style and connection is held to this origin."""
    page = requests.get(server + "/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "script-src 'self'" in csp
    assert "http" not in page.text.replace("http-equiv", "")  # no absolute URLs at all
    for asset in ("/console/console.js", "/console/console.css"):
        body = requests.get(server + asset)
        assert body.status_code == 200 and "//" not in body.text.replace("http://www.w3.org/2000/svg", "").replace(
            "// ", "").replace("//\n", "")
    assert requests.get(server + "/console/../wsgi.py").status_code == 404
