"""数据导入 in the console (issue 17's 上传), in headless Chromium against gunicorn and the real Neo4j: an editor uploads a
registry export, reads the dry run's report (counts, refused rows with line, field and reason), downloads it as XLSX,
imports only the rows without fault, downloads that real run's report, and finds the firm; a key that may only read
is told it needs an editor's key."""

import base64
import io

import pytest
import requests
from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from chainmap import upkeep, uscc
from tests import import_files as files
from tests.conftest import counts
from tests.e2e.conftest import SHOTS
from tests.e2e.test_console import console_errors

OK1 = uscc.compose("9", "1", "130534", "T7D00001")   # 清河县, the editor's county
OK2 = uscc.compose("9", "1", "130534", "T7D00002")
BAD = uscc.compose("9", "1", "130534", "T7D00003")
BAD = BAD[:17] + ("0" if BAD[17] != "0" else "1")    # a wrong check character
HEADER = ["统一社会信用代码", "企业名称", "企业类型", "登记状态", "成立日期", "注册资本", "所属区县", "注册地址", "所属行业"]
ROWS = [[OK1, "清河县控制台导入羊绒制品有限公司", "有限责任公司", "存续", "2021-04-06", "200万元", "清河县", "", "毛条和毛纱线加工"],
        [OK2, "清河县控制台导入纺纱有限公司", "有限责任公司", "在业", "2019年3月5日", "50万元", "清河县", "", "毛织造加工"],
        [BAD, "清河县控制台导入错码有限公司", "有限责任公司", "存续", "2020/1/2", "10万元", "清河县", "", "毛织造加工"]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wait(driver, seconds=30):
    return WebDriverWait(driver, seconds)


@pytest.fixture()
def as_key(browser, server, keys):
    def open_with(role):
        browser.set_window_size(1500, 1300)
        browser.get(server + "/")
        browser.execute_script("localStorage.setItem('chainmap.key', arguments[0])",
                               keys[role]["Authorization"].split(" ", 1)[1])
        browser.get(server + "/")
        wait(browser).until(lambda d: d.find_element(By.ID, "imports-panel").is_displayed())
        return browser
    yield open_with
    browser.execute_script("localStorage.clear()")


@pytest.fixture()
def cleanup(graph):
    yield
    graph.write("UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) DETACH DELETE e", keys=[OK1, OK2, BAD])
    upkeep.refresh_facts(graph)
    graph.renew()


def counted(driver):
    return {li.get_attribute("data-count"): int(li.find_element(By.TAG_NAME, "strong").text)
            for li in driver.find_elements(By.CSS_SELECTOR, "#import-counts li")}


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_a_reading_key_is_told_it_needs_an_editor_key(as_key, role):
    driver = as_key(role)
    locked = wait(driver).until(lambda d: d.find_element(By.ID, "imports-locked").is_displayed()
                                and d.find_element(By.ID, "imports-locked"))
    assert "编辑权限" in locked.text
    assert not driver.find_element(By.ID, "import-form").is_displayed()


def real_run_workbook(driver) -> tuple[dict, list[str]]:
    """The workbook the 下载导入报告 button hands the browser: its 汇总 (label -> value) and the 新增 sheet's codes."""
    encoded = driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const original = URL.createObjectURL;
      URL.createObjectURL = (blob) => {
        URL.createObjectURL = original;
        blob.arrayBuffer().then((b) => done(btoa(String.fromCharCode(...new Uint8Array(b)))));
        return original(blob);
      };
      document.getElementById('import-xlsx').click();""")
    book = load_workbook(io.BytesIO(base64.b64decode(encoded)))
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    return summary, [row[1] for row in book["新增"].iter_rows(min_row=2, values_only=True)]


def test_an_editor_uploads_a_registry_export(as_key, server, keys, graph, tmp_path, cleanup):
    path = tmp_path / "清河县登记导出.csv"
    path.write_bytes(files.csv_bytes(HEADER, ROWS, "utf-8-sig"))
    driver = as_key("editor")
    wait(driver).until(lambda d: d.find_element(By.ID, "import-form").is_displayed())
    assert not driver.find_element(By.ID, "imports-locked").is_displayed()
    before = counts(graph)

    # the dry run: nothing written, the counts and the refused row with its line, field and reason
    Select(driver.find_element(By.ID, "import-kind")).select_by_value("registry")
    assert driver.find_element(By.CSS_SELECTOR, "label.file-button").text == "选择文件"  # not the browser's own words
    driver.find_element(By.ID, "import-file").send_keys(str(path))
    assert driver.find_element(By.ID, "import-file-name").text == path.name
    driver.find_element(By.ID, "import-try").click()
    wait(driver).until(lambda d: d.find_elements(By.ID, "import-outcome"))
    assert "试运行" in driver.find_element(By.ID, "import-outcome").text
    shown = counted(driver)
    assert shown["created"] == 2 and shown["updated"] == 0 and shown["unchanged"] == 0 and shown["rejected"] >= 1
    refused = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
               for tr in driver.find_elements(By.CSS_SELECTOR, "#import-rejected tbody tr")]
    assert ["4", "统一社会信用代码"] == refused[0][:2] and "校验码为" in refused[0][2]
    assert "“企业登记信息导出（所属行业单列）”" in driver.find_element(By.ID, "import-report").text  # not its code
    assert counts(graph) == before
    # a refused row keeps the whole file out, so 确认导入 waits for a fixed file or 只导入无误的行
    assert not driver.find_element(By.ID, "import-confirm").is_enabled()
    driver.save_screenshot(str(SHOTS / "console-import-dry-run.png"))

    # the report as the XLSX workbook the API makes
    made = driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const original = URL.createObjectURL;
      URL.createObjectURL = (blob) => {
        URL.createObjectURL = original;
        done({type: blob.type, size: blob.size});
        return original(blob);
      };
      document.getElementById('import-xlsx').click();""")
    assert made["type"] == XLSX and made["size"] > 3000
    assert counts(graph) == before

    # only the rows without fault: dry run again, confirm, and the firms are there
    driver.find_element(By.ID, "import-partial").click()
    assert driver.find_elements(By.ID, "import-outcome") == []  # a changed option clears the old report
    driver.find_element(By.ID, "import-try").click()
    confirm = wait(driver).until(lambda d: d.find_elements(By.ID, "import-confirm")
                                 and d.find_element(By.ID, "import-confirm").is_enabled()
                                 and d.find_element(By.ID, "import-confirm"))
    assert counts(graph) == before
    confirm.click()
    wait(driver).until(lambda d: "已写入" in d.find_element(By.ID, "import-outcome").text)
    assert counted(driver)["created"] == 2
    # the real run's own report downloads too (not a dry run made again: that would find both firms 未变)
    summary, created = real_run_workbook(driver)
    assert summary["结果"].startswith("已写入") and summary["新增"] == 2 and summary["方式"].startswith("部分导入")
    assert sorted(created) == sorted([OK1, OK2])
    found = graph.read("UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) RETURN e.uscc AS u", keys=[OK1, OK2, BAD])
    assert {r["u"] for r in found} == {OK1, OK2}
    firm = requests.get(f"{server}/api/v1/enterprises/{OK1}", headers=keys["analyst"], timeout=30).json()
    assert firm["name"] == ROWS[0][1] and firm["region"] == "130534"

    # the console's firm search finds it by name
    driver.find_element(By.ID, "search").send_keys("控制台导入羊绒")
    driver.find_element(By.CSS_SELECTOR, "#search-form button").click()
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, f'#search-results button[data-uscc="{OK1}"]'))
    driver.find_element(By.CSS_SELECTOR, f'#search-results button[data-uscc="{OK1}"]').click()
    wait(driver).until(lambda d: d.find_element(By.ID, "profile-name").text == ROWS[0][1])
    driver.save_screenshot(str(SHOTS / "console-import-written.png"))
    assert console_errors(driver) == [] or all("422" in e["message"] for e in console_errors(driver))


def test_a_refused_file_is_answered_beside_the_form(as_key, graph, tmp_path):
    """A file the API refuses whole (two columns for one field) is said in the import section, where the officer
    looks, not only in the status line a screen above it."""
    path = tmp_path / "两列名称.csv"
    path.write_bytes(files.csv_bytes([*HEADER, "名称"], [[*ROWS[0], "另一个名称"]], "utf-8-sig"))
    driver = as_key("editor")
    wait(driver).until(lambda d: d.find_element(By.ID, "import-form").is_displayed())
    before = counts(graph)
    Select(driver.find_element(By.ID, "import-kind")).select_by_value("registry")
    driver.find_element(By.ID, "import-file").send_keys(str(path))
    driver.find_element(By.ID, "import-try").click()
    wait(driver).until(lambda d: d.find_elements(By.ID, "import-refused"))
    refused = driver.find_element(By.ID, "import-refused")
    assert refused.is_displayed() and "表示同一项内容" in refused.text and "第10列“名称”" in refused.text, refused.text
    assert driver.execute_script("const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && "
                                 "r.bottom <= window.innerHeight", refused), "not in view"
    assert counts(graph) == before
    # the 422 is the browser's only error (reading the log empties it: the next test starts clean)
    assert [e for e in console_errors(driver) if "422" not in e["message"]] == []
