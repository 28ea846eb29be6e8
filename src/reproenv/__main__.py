from reproenv.cli.entry import run

run()
