// SPDX-License-Identifier: MIT
/*
 * http_resp.c - what the HTTP server writes: the response helpers handlers call and the
 * response head. Values are checked here, so no handler can split a response with a CR/LF.
 */
#include "http_msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool header_value_ok(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 ? *v != '\t' : *v == 0x7f)
			return false;
	return true;
}

static int set_ctype(struct em_http_resp *resp, const char *ct)
{
	if (!ct)
		ct = "application/octet-stream";
	if (!header_value_ok(ct) || strlen(ct) >= sizeof(resp->content_type))
		return -EINVAL;
	strcpy(resp->content_type, ct);
	return 0;
}

int em_http_resp_header(struct em_http_resp *resp, const char *name, const char *value)
{
	static const char *const owned[] = { "Content-Length", "Content-Type", "Connection",
					     "Transfer-Encoding", "Date" };
	size_t room = sizeof(resp->headers) - resp->headers_len;
	int n;

	if (!em_http_is_token(name) || !header_value_ok(value))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (!strcasecmp(name, owned[i]))
			return -EINVAL;
	n = snprintf(resp->headers + resp->headers_len, room, "%s: %s\r\n", name, value);
	if (n < 0 || (size_t)n >= room) {
		resp->headers[resp->headers_len] = '\0';
		return -ENOSPC;
	}
	resp->headers_len += (size_t)n;
	return 0;
}

int em_http_resp_take(struct em_http_resp *resp, const char *content_type, void *buf,
		      size_t len)
{
	if (set_ctype(resp, content_type)) {
		free(buf);
		return -EINVAL;
	}
	free(resp->body);
	resp->body = buf;
	resp->body_len = len;
	return 0;
}

int em_http_resp_bytes(struct em_http_resp *resp, const char *content_type, const void *data,
		       size_t len)
{
	void *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	return em_http_resp_take(resp, content_type, copy, len);
}

int em_http_resp_text(struct em_http_resp *resp, int status, const char *fmt, ...)
{
	va_list ap;
	char *body;
	int n;

	/* Status and type first: even without memory for the body, the status goes out. */
	resp->status = status;
	set_ctype(resp, "text/plain; charset=utf-8");
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	resp->body = body;
	resp->body_len = (size_t)n;
	return 0;
}

int em_http_resp_error(struct em_http_resp *resp, int status, const char *msg)
{
	resp->headers_len = 0;
	resp->headers[0] = '\0';
	em_http_resp_header(resp, "X-Go-Pprof", "1");
	return em_http_resp_text(resp, status, "%s\n", msg);
}

void em_http_resp_reset(struct em_http_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

const char *em_http_reason(int status)
{
	static const struct {
		int code;
		const char *text;
	} reasons[] = {
		{ 100, "Continue" }, { 200, "OK" }, { 204, "No Content" },
		{ 301, "Moved Permanently" }, { 302, "Found" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 411, "Length Required" }, { 413, "Content Too Large" },
		{ 417, "Expectation Failed" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 503, "Service Unavailable" }, { 505, "HTTP Version Not Supported" },
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			return reasons[i].text;
	return "Unknown";
}

size_t em_http_format_head(char *buf, size_t len, const struct em_http_resp *resp,
			   size_t body_len, time_t now)
{
	/* Fixed English names: strftime's would follow the host program's LC_TIME. */
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int status = resp->status ? resp->status : 200;
	char date[64] = "";
	struct tm tm;
	int n;

	if (now >= 0 && gmtime_r(&now, &tm))
		snprintf(date, sizeof(date), "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
			 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	n = snprintf(buf, len,
		     "HTTP/1.1 %d %s\r\n%sContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "X-Content-Type-Options: nosniff\r\n%.*sConnection: close\r\n\r\n",
		     status, em_http_reason(status), date,
		     resp->content_type[0] ? resp->content_type : "application/octet-stream",
		     body_len, (int)resp->headers_len, resp->headers);
	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}
