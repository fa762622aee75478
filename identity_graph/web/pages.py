"""Server-rendered pages (Jinja2, autoescaped): page texts in zh-CN and English, the
language choice (``?lang=`` first, then ``Accept-Language``), and a language-switch link.

Error messages come from the same catalogs as the API (``Container.translate``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from identity_graph.core.i18n import Locale, negotiate
from identity_graph.core.net import TrustedProxies

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
)

TEXTS: dict[str, tuple[str, str]] = {
    "site": ("统一身份认证平台", "Unified Identity Service"),
    "other_language": ("English", "中文"),
    "login": ("登录", "Log in"),
    "natural_person": ("自然人登录", "Residents"),
    "enterprise": ("法人登录", "Legal persons"),
    "agent": ("经办人登录", "Agents"),
    "agent_unit": (
        "企业账号 / 统一社会信用代码",
        "Unit's account name or unified social credit code",
    ),
    "agent_phone": ("经办人手机号", "Agent's mobile number"),
    "agent_id_number": ("经办人身份证号码", "Agent's ID number"),
    "agent_password": ("经办人密码", "Agent password"),
    "person_identifier": ("用户名 / 手机号码", "Login name or mobile number"),
    "enterprise_identifier": (
        "账号名 / 统一社会信用代码",
        "Account name or unified social credit code",
    ),
    "password": ("密码", "Password"),
    "forgot_password": ("忘记密码？", "Forgot your password?"),
    "captcha": ("图形验证码", "Captcha"),
    "captcha_refresh": ("看不清，换一张", "Hard to read? Get another"),
    "submit": ("登录", "Log in"),
    "signed_in": ("登录成功", "You are logged in"),
    "continue": ("继续", "Continue"),
    "consent_title": ("授权确认", "Allow access"),
    "consent_intro": (
        "“{client}”请求使用您的以下信息：",
        "“{client}” asks to use the following about you:",
    ),
    "allow": ("同意", "Allow"),
    "deny": ("拒绝", "Deny"),
    "scope_openid": ("确认您的身份（账号标识）", "Confirm who you are (your account id)"),
    "scope_profile": ("姓名、账号类型", "Your name and account type"),
    "scope_phone": ("手机号码", "Your mobile number"),
    "scope_email": ("电子邮箱", "Your e-mail address"),
    "scope_identity": (
        "实名信息（姓名、证件号码脱敏显示、实名认证状态）",
        "Your real-name data (name, masked ID number, verification status)",
    ),
    "scope_offline_access": (
        "在您保持登录期间持续访问以上信息（可刷新的授权）",
        "Keep access to the above while you stay logged in (renewable access)",
    ),
    "scope_enterprise": (
        "您代为办理的单位及其授权事项（经办人身份）",
        "The unit you act for and the services it granted you (as its agent)",
    ),
    "request_error": ("无法完成授权", "The authorization cannot go ahead"),
    "bad_request": ("无法处理该请求", "The request cannot be processed"),
    "bad_field": (
        "“{label}”{problem}，请返回修改后重新提交。",
        "{label}: {problem}. Go back, correct it and submit again.",
    ),
    "identifier": ("登录账号", "Login name, mobile number or credit code"),
    "bad_client": (
        "接入系统或回调地址无效，请联系该系统的管理员。",
        "The partner system or its return address is not valid; contact its operator.",
    ),
    "step_up_title": ("需要更高的认证等级", "A higher verification level is needed"),
    "step_up": (
        "该系统要求{level}。请先在个人中心完成相应认证后再访问。",
        "This service requires {level}. Complete that verification first, then try again.",
    ),
    "step_up_face": (
        "您已完成实名认证：完成人脸识别即可达到实人认证，并继续访问该系统。",
        "You are verified by name: a face check brings you to real-person verification"
        " and on to the service.",
    ),
    "start_face": ("开始人脸识别", "Start the face check"),
    "back_to_client": ("返回“{client}”", "Back to “{client}”"),
    "level_real_name": ("实名认证", "real-name verification"),
    "level_real_person": ("实人认证", "real-person verification"),
    "logout_title": ("退出登录", "Log out"),
    "logout_confirm": (
        "退出后，您在所有接入系统的登录都将结束。确定退出吗？",
        "Logging out ends your session on every partner site. Log out now?",
    ),
    "logout_button": ("退出登录", "Log out"),
    "logged_out": ("您已退出登录。", "You are logged out."),
    "logout_error": (
        "退出请求无效（身份令牌或返回地址不正确），未进行任何操作。",
        "The logout request is not valid (ID token hint or return address); nothing was done.",
    ),
    "qr": ("扫码登录", "QR code"),
    "qr_title": ("扫码登录", "Log in with the app"),
    "qr_intro": (
        "请使用已登录的手机应用扫描二维码并确认登录（二维码 2 分钟内有效）。",
        "Scan the code with the app you are logged in to and confirm (valid 2 minutes).",
    ),
    "qr_waiting": ("等待扫码确认…", "Waiting for the app to confirm…"),
    "qr_expired": ("二维码已过期，请刷新页面。", "The code has expired; reload the page."),
    "qr_needs_script": (
        "扫码登录需要启用 JavaScript；也可以使用账号密码登录。",
        "QR login needs JavaScript; you can log in with a password instead.",
    ),
    "home_title": ("统一身份认证", "Unified identity"),
    "signed_in_as": ("当前登录：", "Logged in as"),
    "not_signed_in": ("您尚未登录。", "You are not logged in."),
    "upstream": ("国家平台账号登录", "National platform account"),
    "upstream_off": ("未配置国家平台账号登录。", "National platform login is not configured."),
    "upstream_failed": (
        "国家平台账号登录未完成，请重试或使用本平台账号登录。",
        "The national platform login did not complete; try again or log in here.",
    ),
    "upstream_link_first": (
        "首次使用国家平台账号：请用本平台账号登录一次，以完成账号关联。",
        "First use of your national platform account: log in here once to link the accounts.",
    ),
    "sandbox_banner": (
        "沙箱环境：本页模拟外部认证服务，仅用于测试。",
        "Sandbox: this page stands in for an external provider, for testing only.",
    ),
    "face_title": ("人脸识别（沙箱）", "Face check (sandbox)"),
    "face_intro": ("待核验人员：{name}（{number}）", "Person to check: {name} ({number})"),
    "face_pass": ("活体检测通过", "Pass the liveness check"),
    "face_fail": ("活体检测不通过", "Fail the liveness check"),
    "licence_title": ("电子营业执照（沙箱）", "Electronic business licence (sandbox)"),
    "licence_intro": (
        "单位：{name}（{code}）。请输入电子营业执照密码以确认身份。",
        "Unit: {name} ({code}). Enter the electronic licence password to confirm.",
    ),
    "licence_password": ("执照密码", "Licence password"),
    "licence_confirm": ("确认", "Confirm"),
    "licence_wrong": ("执照密码不正确", "Wrong licence password"),
    "face_no_photo": (
        "沙箱登记库中没有此人的照片：人脸比对将不通过。",
        "The sandbox registry holds no photo of this person: the face comparison will fail.",
    ),
    "result_face_title": ("人脸识别结果", "Face check result"),
    "result_licence_title": ("电子营业执照认证结果", "Electronic business licence result"),
    "result_waiting": (
        "正在等待认证结果，请稍后刷新本页。",
        "Waiting for the result; refresh this page in a moment.",
    ),
    "result_refresh": ("刷新", "Refresh"),
    "result_expired": (
        "认证会话已过期，请返回原页面重新发起。",
        "The session expired; go back and start a new one.",
    ),
    "result_real_person": (
        "人脸识别通过，已完成实人认证。",
        "Face check passed: you are verified as a real person.",
    ),
    "result_face_passed": (
        "人脸识别通过，请返回原页面继续办理。",
        "Face check passed; go back to continue.",
    ),
    "result_licence_passed": (
        "电子营业执照认证通过，单位已完成实名认证。",
        "Electronic licence confirmed: the unit is verified.",
    ),
    "result_licence_failed": (
        "电子营业执照认证未通过。",
        "The electronic business licence check did not pass.",
    ),
    "result_continue": ("继续", "Continue"),
    "challenge_gone": (
        "该认证会话不存在、已完成或已过期。",
        "This session does not exist, is finished or has expired.",
    ),
    "back": ("返回", "Back"),
    "unavailable_title": ("服务暂时不可用", "Temporarily unavailable"),
    "unavailable": (
        "系统正在恢复中，您的操作未被执行。请在 {retry_after} 秒后刷新页面重试。",
        "The service is recovering and nothing you sent was done. Reload the page in"
        " {retry_after} seconds to try again.",
    ),
    "try_again": ("重试", "Try again"),
    "csrf": (
        "页面已过期，请重新提交",
        "The page expired; please submit again",
    ),
    "register_link": ("没有账号？立即注册", "No account yet? Register"),
    "have_account": ("已有账号？去登录", "Already registered? Log in"),
    "register_title": ("自然人注册", "Register as a resident"),
    "register_step_phone": ("第一步：验证手机号码", "Step 1: verify your mobile number"),
    "register_step_details": (
        "第二步：填写账号和身份信息",
        "Step 2: your account and identity details",
    ),
    "phone": ("手机号码", "Mobile number"),
    "send_code": ("获取短信验证码", "Send me an SMS code"),
    "resend_code": ("重新获取短信验证码", "Request a new SMS code"),
    "sms_code": ("短信验证码", "SMS code"),
    "login_name": ("登录名", "Login name"),
    "login_name_hint": (
        "4–20 个字符，可用字母、数字、下划线和汉字，以字母或汉字开头",
        "4–20 letters, digits, _ or Chinese characters, starting with a letter or one"
        " Chinese character",
    ),
    "password_hint": (
        "至少 8 位，包含大写字母、小写字母、数字、符号中的至少 3 类",
        "At least 8 characters mixing 3 of: upper case, lower case, digits, symbols",
    ),
    "password_confirm": ("确认密码", "Repeat the password"),
    "password_mismatch": ("两次输入的密码不一致", "The two passwords differ"),
    "email_optional": ("电子邮箱（选填）", "E-mail (optional)"),
    "real_name": ("真实姓名", "Real name"),
    "region_type": ("证件所属地区", "Where the document is from"),
    "region_mainland": ("中国大陆", "Mainland China"),
    "region_hmt": ("港澳台", "Hong Kong, Macao, Taiwan"),
    "region_other": ("其他", "Other"),
    "id_type": ("证件类型", "ID type"),
    "id_type_resident_id_card": ("居民身份证", "Resident identity card"),
    "id_type_foreigner_permanent_residence_id": (
        "外国人永久居留身份证",
        "Foreigner's permanent residence ID card",
    ),
    "id_type_exit_entry_permit_hk_macao": (
        "往来港澳通行证",
        "Exit-entry permit to Hong Kong and Macao",
    ),
    "id_type_travel_permit_taiwan": ("往来台湾通行证", "Travel permit to Taiwan"),
    "id_type_mainland_travel_permit_hk_macao": (
        "港澳居民来往内地通行证",
        "Mainland travel permit for Hong Kong and Macao residents",
    ),
    "id_type_mainland_travel_permit_taiwan": (
        "台湾居民来往大陆通行证",
        "Mainland travel permit for Taiwan residents",
    ),
    "id_type_hmt_residence_permit": (
        "港澳台居民居住证",
        "Residence permit for Hong Kong, Macao and Taiwan residents",
    ),
    "id_type_foreign_passport": ("境外护照", "Foreign passport"),
    "id_number": ("证件号码", "ID number"),
    "id_valid_from": ("证件有效期起始日期", "Document valid from"),
    "id_valid_until": ("证件有效期截止日期", "Document valid until"),
    "id_long_term": ("长期有效", "Long-term (no expiry date)"),
    "choose": ("请选择", "Choose"),
    "pledge_title": ("真实性承诺书（版本 {version}）", "Truthfulness pledge (version {version})"),
    "pledge_accept": ("我已阅读并接受以上承诺", "I have read and accept this pledge"),
    "register_submit": ("注册", "Register"),
    "registered_title": ("注册成功", "Registration complete"),
    "registered": (
        "账号“{login_name}”已创建，请登录。",
        "The account “{login_name}” is created; please log in.",
    ),
    "go_login": ("去登录", "Log in"),
    "register_enterprise_link": ("没有单位账号？法人注册", "No unit account yet? Register a unit"),
    "register_enterprise_title": ("法人注册", "Register a legal person (unit)"),
    "register_enterprise_step_details": (
        "第二步：填写单位信息、法定代表人信息并设置单位账号",
        "Step 2: the unit, its legal representative and the unit's account",
    ),
    "enterprise_login_name_hint": (
        "8–20 个字符，字母开头，可用字母、数字和下划线",
        "8–20 letters, digits or _, starting with a letter",
    ),
    "unit_section": ("单位信息", "The unit"),
    "rep_section": ("法定代表人信息", "Legal representative"),
    "account_section": ("单位账号", "The unit's account"),
    "unit_name": ("单位名称", "Unit name"),
    "unit_region": ("单位注册地", "Where the unit is registered"),
    "unit_region_domestic": ("境内", "Mainland China"),
    "unit_region_hmt": ("港澳台", "Hong Kong, Macao, Taiwan"),
    "unit_region_foreign": ("境外", "Abroad"),
    "legal_person_type": ("法人类型", "Legal-person type"),
    "lpt_enterprise": ("企业法人", "Enterprise"),
    "lpt_social_organisation": ("社会组织法人", "Social organisation"),
    "lpt_public_institution": ("事业单位法人", "Public institution"),
    "lpt_government_organ": ("机关法人", "Government organ"),
    "lpt_individual_business": ("个体工商户", "Individual business"),
    "lpt_other": ("其他", "Other"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "unit_identifier": (
        "单位唯一标识（港澳台及境外单位）",
        "Unit identifier (units outside the mainland)",
    ),
    "unit_address": ("单位地址", "Unit address"),
    "founding_date": ("成立日期（选填）", "Founding date (optional)"),
    "rep_name": ("法定代表人姓名", "Legal representative's name"),
    "reserved_phone": ("预留手机号码", "Reserved mobile number"),
}


class Texts:
    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self._index = 0 if locale == "zh-CN" else 1

    def __getattr__(self, name: str) -> str:
        return TEXTS[name][self._index]


def page_locale(request: Request, form_lang: str | None = None) -> Locale:
    chosen = form_lang or request.query_params.get("lang")
    if chosen in ("zh-CN", "en"):
        return chosen  # type: ignore[return-value]
    return negotiate(request.headers.get("accept-language"))


def ui_locale(ui_locales: str | None) -> Locale | None:
    """The first supported language of an OIDC ``ui_locales`` list (BCP 47 tags, space
    separated, by preference), or None."""
    for tag in (ui_locales or "").split():
        lowered = tag.lower()
        if lowered.startswith("zh"):
            return "zh-CN"
        if lowered == "en" or lowered.startswith("en-"):
            return "en"
    return None


def url_with(request: Request, **params: str) -> str:
    query = dict(request.query_params)
    query.update(params)
    return f"{request.url.path}?{urlencode(query)}"


def render(
    request: Request, template: str, locale: Locale, status: int = 200, **context: Any
) -> HTMLResponse:
    other = "en" if locale == "zh-CN" else "zh-CN"
    html = _ENVIRONMENT.get_template(template).render(
        t=Texts(locale),
        locale=locale,
        switch_language_url=url_with(request, lang=other),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def request_address(request: Request, proxies: TrustedProxies) -> str:
    """The client's address for rate limits (``core/net.py``)."""
    return proxies.address_of(request.scope)
