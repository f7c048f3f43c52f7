"""LitServe servers for the benchmark scenarios (batching off: LitServe's default).

    python litserve_app.py iris --port 8000 --workers 2

``--workers`` is ``workers_per_device`` on the CPU; LitServe starts as many API server
processes as inference workers by default.
"""

from __future__ import annotations

import argparse

import bench_models
import litserve as ls
import numpy as np


class IrisAPI(ls.LitAPI):
    def setup(self, device):  # type: ignore[no-untyped-def]
        self.model = bench_models.load_iris()

    def decode_request(self, request):  # type: ignore[no-untyped-def]
        return np.asarray(request["input_data"])

    def predict(self, x):  # type: ignore[no-untyped-def]
        return self.model.predict(x)

    def encode_response(self, output):  # type: ignore[no-untyped-def]
        return {"prediction": output.tolist()}


class NoopAPI(ls.LitAPI):
    def setup(self, device):  # type: ignore[no-untyped-def]
        pass

    def decode_request(self, request):  # type: ignore[no-untyped-def]
        return request

    def predict(self, x):  # type: ignore[no-untyped-def]
        return None

    def encode_response(self, output):  # type: ignore[no-untyped-def]
        return {"ok": True}


class MLPAPI(ls.LitAPI):
    def setup(self, device):  # type: ignore[no-untyped-def]
        self.model = bench_models.load_mlp()

    def decode_request(self, request):  # type: ignore[no-untyped-def]
        import torch

        return torch.tensor(request["input_data"], dtype=torch.float32)

    def predict(self, x):  # type: ignore[no-untyped-def]
        import torch

        with torch.inference_mode():
            return self.model(x)

    def encode_response(self, output):  # type: ignore[no-untyped-def]
        return {"prediction": output.tolist()}


APIS = {"iris": IrisAPI, "noop": NoopAPI, "mlp": MLPAPI}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(APIS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    api = APIS[args.scenario](api_path=f"/{args.scenario}")
    server = ls.LitServer(api, accelerator="cpu", workers_per_device=args.workers)
    server.run(host=args.host, port=args.port, generate_client_file=False)


if __name__ == "__main__":
    main()
