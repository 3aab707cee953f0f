"""Small packs for the template tests: a form and a Word annex modelled on seed 004 (附件4-1,
4-3, 4-4), and a table whose hints and choice lists exceed Excel's limits."""

from __future__ import annotations

import copy
from typing import Any

FORM_PACK: dict[str, Any] = {
    "id": "test-form-2020",
    "version": "2.3.0",
    "title": "工业互联网及制造业服务化示范项目（测试）",
    "year": 2020,
    "unit": "万元",
    "notice": {"title": "关于组织申报示范项目的通知", "number": "吉工信〔2020〕1号",
               "issuer": "吉林省工业和信息化厅", "date": "2020-06-01", "deadline": "2020-06-30"},
    "choice_lists": {"category": ["行业级工业互联网平台项目", "企业级工业互联网平台项目", "制造业服务化项目"]},
    "annexes": [
        {
            "id": "application", "number": "附件4-1", "title": "示范项目申报书", "kind": "form", "sheet": "申报书",
            "instructions": ["每个项目填写一份申报书。"],
            "signature_line": "申报单位（盖章）：            年  月  日",
            "fields": [
                {"key": "project_name", "title": "项目名称", "type": "text", "required": True, "width": 40,
                 "hint": "项目全称"},
                {"key": "finish_date", "title": "预计完成时间", "type": "date", "precision": "month",
                 "hint": "如：2021年6月"},
                {"key": "category", "title": "项目类别", "type": "choice", "choices": "category", "required": True,
                 "hint": "选择一项"},
                {"key": "services", "title": "提供服务类型", "type": "multichoice",
                 "choices": ["研发设计协同", "定制化服务", "供应链管理", "其他"], "hint": "按实际情况选择"},
                {"key": "unit_name", "title": "单位名称", "type": "text", "required": True, "hint": "全称"},
                {"key": "uscc", "title": "统一社会信用代码", "type": "text", "format": "uscc", "required": True,
                 "hint": "18位"},
                {"key": "postcode", "title": "邮政编码", "type": "text", "format": "postcode", "hint": "6位"},
                {"key": "is_manufacturer", "title": "是否制造业企业", "type": "bool", "hint": "是或否"},
                {"key": "assets_2017", "title": "总资产（2017年）", "type": "number", "unit": "万元", "minimum": 0, "hint": "万元"},
                {"key": "assets_2018", "title": "总资产（2018年）", "type": "number", "unit": "万元", "minimum": 0, "hint": "万元"},
                {"key": "assets_2019", "title": "总资产（2019年）", "type": "number", "unit": "万元", "minimum": 0, "hint": "万元"},
                {"key": "debt_2017", "title": "负债率（2017年）", "type": "number", "minimum": 0, "maximum": 100, "hint": "百分数"},
                {"key": "debt_2018", "title": "负债率（2018年）", "type": "number", "minimum": 0, "maximum": 100, "hint": "百分数"},
                {"key": "users", "title": "平台注册用户数", "type": "integer", "minimum": 0, "hint": "名"},
                {"key": "indicators", "title": "定量指标", "type": "list", "rows": 3, "required": True,
                 "items": [
                     {"key": "name", "title": "指标名称", "type": "text", "required": True, "hint": "如：服务企业数"},
                     {"key": "value", "title": "指标值", "type": "text", "required": True, "hint": "须量化可考核"},
                     {"key": "kind", "title": "指标类别", "type": "choice",
                      "choices": ["核心技术", "产量规模", "应用目标"], "hint": "选择"},
                 ]},
                {"key": "qualitative", "title": "定性指标", "type": "list",
                 "items": [{"key": "name", "title": "指标名称", "type": "text", "hint": "如：促进产业转型升级"}]},
                {"key": "summary", "title": "项目基本情况", "type": "text", "max_length": 800, "required": True,
                 "hint": "不超过800字"},
            ],
            "sections": [
                {"title": "一、项目基本信息", "kind": "pairs",
                 "fields": ["project_name", "finish_date", "category", "services"]},
                {"title": "二、项目责任单位信息", "kind": "pairs",
                 "fields": ["unit_name", "uscc", "postcode", "is_manufacturer"]},
                {"title": "三、近三年财务情况", "kind": "grid", "columns": ["2017年", "2018年", "2019年"],
                 "rows": [{"label": "总资产（万元）", "fields": ["assets_2017", "assets_2018", "assets_2019"]},
                          {"label": "负债率（%）", "fields": ["debt_2017", "debt_2018"]}]},
                {"title": "四、绩效指标", "kind": "list", "fields": ["indicators", "qualitative"],
                 "note": "注：定量指标须量化可考核。"},
                {"title": "五、项目基本情况", "kind": "text", "fields": ["summary"]},
            ],
        },
        {
            "id": "pledge", "number": "附件4-4", "title": "项目申报材料及其附属文件真实性承诺书", "kind": "document",
            "paragraphs": [
                "我单位项目申报提供的所有文件、资料都是真实、完整、有效的，本单位承诺对申报材料及其附属材料的真实性承担法律责任。",
                "一、承诺事项",
                "（一）不以任何形式干预评审",
                "",
                "法定代表人（授权人）签章：",
                "                           公章：",
                " 年     月    日",
            ],
        },
    ],
    "criteria": [],
    "changelog": [
        {"version": "1.0.0", "date": "2020-06-01", "changes": ["首次发布"]},
        {"version": "2.3.0", "date": "2020-06-05", "changes": ["测试"]},
    ],
}

LONG_HINT = "请按照通知要求认真填写。" * 30  # 360 characters, beyond Excel's 255
MANY_CHOICES = [f"第{i}类：很长很长的可选项名称用于测试下拉列表长度" for i in range(1, 41)]

LIMITS_PACK: dict[str, Any] = {
    "id": "test-limits-2020",
    "version": "1.0.0",
    "title": "超长提示和大量选项（测试）",
    "year": 2021,
    "unit": "元",
    "notice": {"title": "测试通知", "number": "测〔2021〕1号", "issuer": "测试厅", "date": "2021-03-01"},
    "annexes": [{
        "id": "rows", "number": "", "title": "测试表", "kind": "table", "paper": "A4",
        "fields": [
            {"key": "name", "title": "一个非常非常长的栏目标题，超过了Excel输入信息标题三十二个字符的限制", "type": "text",
             "required": True, "hint": LONG_HINT},
            {"key": "kind", "title": "类别", "type": "choice", "choices": MANY_CHOICES, "hint": LONG_HINT},
            {"key": "count", "title": "数量", "type": "integer", "hint": "个"},
            {"key": "ratio", "title": "比例", "type": "number", "maximum": 1, "hint": "0～1"},
            {"key": "tags", "title": "标签", "type": "multichoice", "choices": ["甲", "乙", "丙"], "hint": "可多选"},
            {"key": "year", "title": "年份", "type": "date", "precision": "year", "hint": "填年份"},
        ],
    }],
    "criteria": [],
    "changelog": [{"version": "1.0.0", "date": "2021-03-02", "changes": ["测试"]}],
}


def form_pack_raw() -> dict[str, Any]:
    return copy.deepcopy(FORM_PACK)


def limits_pack_raw() -> dict[str, Any]:
    return copy.deepcopy(LIMITS_PACK)
