from reproenv.cli.entry import main

main()
