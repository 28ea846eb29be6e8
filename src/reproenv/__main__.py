from reproenv.cli.main import run

run()
