def main() -> None:
    print("hello from demo")
