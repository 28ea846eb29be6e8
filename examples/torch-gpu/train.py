"""A small, seeded training run that uses CUDA when present (the CPU otherwise)."""

import torch

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
features = torch.randn(4096, 32, device=device)
labels = (features[:, :4].sum(dim=1) > 0).float()
model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
model.to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(200):
    optimizer.zero_grad()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(features).squeeze(1), labels)
    loss.backward()
    optimizer.step()
accuracy = ((model(features).squeeze(1) > 0).float() == labels).float().mean().item()
print(f"device: {device} ({torch.cuda.get_device_name() if device == 'cuda' else 'cpu'})")
print(f"accuracy: {accuracy:.4f}")
