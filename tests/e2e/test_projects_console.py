"""The console's 招商项目看板 end to end (headless Chromium against gunicorn and the real Neo4j): a county's projects
in columns by stage, a lead added from a recommended target through window.chainmapProjects.addLead, and a move."""

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.conftest import SHOTS

TARGET = ("MATCH (e:Enterprise {status: 'active'}) WHERE e.region STARTS WITH '11' AND e.name IS NOT NULL "
          "AND NOT EXISTS { (:Introduction)-[:OF]->(e) } RETURN e.uscc AS u ORDER BY u LIMIT 1")


@pytest.fixture()
def cleanup(graph, browser):
    made: list[str] = []
    yield made
    browser.execute_script("localStorage.removeItem('chainmap.key')")  # the session's browser is shared
    graph.write("UNWIND $ids AS id MATCH (i:Introduction {id: id}) "
                "OPTIONAL MATCH (i)-[:STAGE_CHANGE|FOLLOW_UP]->(x) DETACH DELETE x, i", ids=made)


def test_the_project_board(browser, server, keys, graph, cleanup):
    key = keys["editor"]["Authorization"].split(" ", 1)[1]
    browser.get(server + "/")
    browser.execute_script("localStorage.setItem('chainmap.key', arguments[0])", key)
    browser.get(server + "/")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '#projects-county option[value="130534"]'))
    Select(browser.find_element(By.ID, "projects-county")).select_by_value("130534")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#projects-board .project-column")) == 8)
    listed = requests.get(f"{server}/api/v1/introductions?county=130534&per_page=200", headers=keys["editor"]).json()
    for project in listed["items"]:
        column = browser.find_element(By.CSS_SELECTOR, f'.project-card[data-project="{project["id"]}"]')
        assert column.find_element(By.XPATH, "ancestor::div[@data-stage]").get_attribute("data-stage") == project["stage"]

    firm = graph.read(TARGET)[0]["u"]
    created = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.chainmapProjects.addLead({cluster: 'qinghe-cashmere', node: 'spinning', enterprise: arguments[0]})"
        ".then((p) => done(p.id), (e) => done('error: ' + e.message));", firm)
    assert not created.startswith("error"), created
    cleanup.append(created)
    card = f'div[data-stage="lead"] .project-card[data-project="{created}"]'
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, card))
    stored = requests.get(f"{server}/api/v1/introductions/{created}", headers=keys["editor"]).json()
    assert stored["stage"] == "lead" and [n["id"] for n in stored["nodes"]] == ["qinghe-cashmere.spinning"]

    browser.find_element(By.CSS_SELECTOR, f"{card} .project-actions button").click()  # 推进 to the first next stage
    wait.until(lambda d: d.find_elements(
        By.CSS_SELECTOR, f'div[data-stage="contacted"] .project-card[data-project="{created}"]'))
    moved = requests.get(f"{server}/api/v1/introductions/{created}", headers=keys["editor"]).json()
    assert [s["stage"] for s in moved["stages"]] == ["lead", "contacted"]
    browser.save_screenshot(str(SHOTS / "console-projects.png"))
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []
