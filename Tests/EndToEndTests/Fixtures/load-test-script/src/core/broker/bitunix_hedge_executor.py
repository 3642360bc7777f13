"""A small Bitunix HEDGE executor for the load-test script, written for the tests.

It does what the load-test script expects of the real executor, against the
exchange named by BITUNIX_REST_URL and BITUNIX_WS_URL:

- follows the public WebSocket (the symbol's ticker), pings it, and after a
  drop logs the real executor's lines ("Connection closed unexpectedly
  (code=1006, ...)", "Reconnecting in 1s (attempt #1)...", "WebSocket
  Connected") and subscribes again;
- keeps one adaptive post-only limit entry 0.05 % under the price, placed and
  re-priced over signed REST ("Order placed", "Order modified"), renewed
  every hour of run time.

Time: the load-test script sleeps 5 s a tick for 8 real hours. When hedgeops
compresses a rehearsal it sets HEDGEOPS_TIME_SCALE; importing this module then
scales `asyncio.sleep` and the script's `datetime.now()` by it, so the script
runs unchanged and its 8 hours pass in 8 h / scale of real time.
"""

import asyncio
import datetime as _datetime_module
import hashlib
import json
import logging
import os
import random
import string
import sys
import time
import urllib.request

import websockets

logger = logging.getLogger(__name__)

TIME_SCALE = float(os.environ.get("HEDGEOPS_TIME_SCALE", "1") or "1")
_real_sleep = asyncio.sleep


def _install_time_scale(scale):
    """Scales asyncio.sleep and the importing script's datetime by `scale`."""
    if scale == 1:
        return
    started = time.monotonic()
    real = _datetime_module.datetime

    async def scaled_sleep(delay, result=None):
        return await _real_sleep(delay / scale, result)

    class ScaledDatetime(real):
        """`now()` runs `scale` times faster than the wall clock from import on."""

        @classmethod
        def now(cls, tz=None):
            ahead = (time.monotonic() - started) * (scale - 1)
            return real.now(tz) + _datetime_module.timedelta(seconds=ahead)

    asyncio.sleep = scaled_sleep
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "datetime", None) is real:
        main.datetime = ScaledDatetime


_install_time_scale(TIME_SCALE)


def _sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _nonce():
    return "".join(random.choices(string.ascii_letters + string.digits, k=32))


class BitunixHedgeExecutor:
    """Connects, follows the ticker, keeps an adaptive entry order; see the module's doc."""

    HEARTBEAT_SECONDS = 15  # real seconds: the exchange closes a socket silent for 60 s

    def __init__(self):
        env = os.environ
        self.rest_url = env.get("BITUNIX_REST_URL", "https://fapi.bitunix.com").rstrip("/")
        self.ws_url = env.get("BITUNIX_WS_URL", "wss://fapi.bitunix.com/public/")
        self.api_key = env.get("BITUNIX_API_KEY", "")
        self.api_secret = env.get("BITUNIX_API_SECRET", "")
        self.symbol = env.get("LOAD_TEST_SYMBOL", "BTCUSDT")
        self.offset = float(env.get("LOAD_TEST_OFFSET", "0.0005"))
        self.tick_seconds = float(env.get("LOAD_TEST_TICK_SECONDS", "5"))
        self.ws = None
        self.price = None
        self.order_id = None
        self.order_price = None
        self.tasks = []
        self.closing = False

    # -- REST, signed as Bitunix documents it --------------------------------

    def _rest(self, method, path, params=None, body=None):
        params = params or {}
        raw = json.dumps(body, separators=(",", ":")) if body is not None else ""
        nonce, stamp = _nonce(), str(int(time.time() * 1000))
        query = "".join(f"{k}{v}" for k, v in sorted(params.items()))
        digest = _sha256(nonce + stamp + self.api_key + query + raw)
        headers = {
            "Content-Type": "application/json", "api-key": self.api_key, "nonce": nonce,
            "timestamp": stamp, "sign": _sha256(digest + self.api_secret),
        }
        url = self.rest_url + path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
        request = urllib.request.Request(
            url, data=raw.encode() if body is not None else None, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    async def _call(self, method, path, body):
        reply = await asyncio.to_thread(self._rest, method, path, None, body)
        if reply.get("code") != 0:
            raise RuntimeError(f"{path}: code {reply.get('code')}: {reply.get('msg')}")
        return reply.get("data") or {}

    # -- WebSocket ---------------------------------------------------------------

    async def _open(self):
        ws = await websockets.connect(self.ws_url, ping_interval=None, max_queue=None, open_timeout=10)
        await ws.send(json.dumps({"op": "subscribe", "args": [{"symbol": self.symbol, "ch": "ticker"}]}))
        self.ws = ws
        logger.info("WebSocket Connected (%s, ticker %s)", self.ws_url, self.symbol)

    async def _follow(self):
        attempt = 0
        while not self.closing:
            try:
                async for text in self.ws:
                    message = json.loads(text)
                    if message.get("ch") == "ticker":
                        self.price = float(message["data"]["la"])
            except websockets.ConnectionClosed:
                pass
            if self.closing:
                return
            code = self.ws.close_code if self.ws.close_code is not None else 1006
            logger.warning("Connection closed unexpectedly (code=%s, reason=%s)", code, self.ws.close_reason or "")
            logger.warning("WebSocket Disconnected")
            while not self.closing:
                attempt += 1
                delay = min(2 ** (attempt - 1), 30)
                logger.warning("Reconnecting in %ss (attempt #%d)...", delay, attempt)
                await asyncio.sleep(delay)
                try:
                    await self._open()
                    attempt = 0
                    break
                except (OSError, websockets.WebSocketException) as error:
                    logger.warning("WebSocket reconnect failed: %s", error)

    async def _heartbeat(self):
        while not self.closing:
            await _real_sleep(self.HEARTBEAT_SECONDS)
            try:
                await self.ws.send(json.dumps({"op": "ping", "ping": int(time.time())}))
            except websockets.ConnectionClosed:
                pass  # _follow reconnects

    # -- The adaptive entry -----------------------------------------------------

    async def _place(self):
        price = round(self.price * (1 - self.offset), 1)
        data = await self._call("POST", "/api/v1/futures/trade/place_order", {
            "symbol": self.symbol, "qty": "0.001", "price": str(price), "side": "BUY", "tradeSide": "OPEN",
            "orderType": "LIMIT", "effect": "POST_ONLY", "clientId": _nonce()[:16]})
        self.order_id, self.order_price = data["orderId"], price
        logger.info("Order placed: %s BUY 0.001 %s @ %s (ENTRY_PENDING)", self.order_id, self.symbol, price)

    async def _cancel(self):
        if self.order_id is None:
            return
        order, self.order_id = self.order_id, None
        await self._call("POST", "/api/v1/futures/trade/cancel_orders",
                         {"symbol": self.symbol, "orderList": [{"orderId": order}]})
        logger.info("Entry %s cancelled", order)

    async def _trade(self):
        while self.price is None and not self.closing:
            await asyncio.sleep(self.tick_seconds)
        ticks_per_hour = max(1, int(3600 / self.tick_seconds))
        tick = 0
        while not self.closing:
            try:
                if self.order_id is None:
                    await self._place()
                elif tick % ticks_per_hour == 0:
                    await self._cancel()
                    await self._place()
                else:
                    price = round(self.price * (1 - self.offset), 1)
                    if price != self.order_price:
                        await self._call("POST", "/api/v1/futures/trade/modify_order",
                                         {"orderId": self.order_id, "qty": "0.001", "price": str(price)})
                        self.order_price = price
                        logger.info("Order modified: %s @ %s", self.order_id, price)
            except (OSError, RuntimeError, KeyError) as error:
                logger.error("Order request failed: %s", error)
            tick += 1
            await asyncio.sleep(self.tick_seconds)

    # -- What the load-test script calls ------------------------------------------

    async def connect(self):
        """Opens the public socket and starts following and trading: (True, None) or (False, why)."""
        try:
            await self._open()
        except (OSError, websockets.WebSocketException) as error:
            return False, f"{self.ws_url}: {error}"
        self.tasks = [asyncio.create_task(job()) for job in (self._follow, self._heartbeat, self._trade)]
        return True, None

    async def disconnect(self):
        self.closing = True
        follow, heartbeat, trade = self.tasks or (None, None, None)
        for task in (follow, heartbeat):
            if task is not None:
                task.cancel()
        # The order loop ends its request first: an order the exchange took is logged.
        if trade is not None:
            try:
                await asyncio.wait_for(trade, 15)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass
        try:
            await self._cancel()
        except (OSError, RuntimeError) as error:
            logger.warning("Entry not cancelled at shutdown: %s", error)
        if self.ws is not None:
            await self.ws.close()
        logger.info("Executor stopped (IDLE)")
